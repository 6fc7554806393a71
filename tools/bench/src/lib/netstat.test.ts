import { describe, expect, it } from 'vitest'
import { listenDrops, parseTcpExt } from './netstat.js'

describe('parseTcpExt', () => {
  it('pairs the TcpExt names with the values on the next TcpExt line', () => {
    const text = 'TcpExt: SyncookiesSent ListenOverflows TCPSynRetrans\nTcpExt: 0 12 34\nIpExt: A\nIpExt: 1\n'
    const counters = parseTcpExt(text)
    expect(counters.get('ListenOverflows')).toBe(12)
    expect(counters.get('TCPSynRetrans')).toBe(34)
    expect(parseTcpExt('').size).toBe(0)
  })

  it('reads this machine (numbers on Linux)', () => {
    const { overflows } = listenDrops()
    expect(Number.isNaN(overflows) || overflows >= 0).toBe(true)
  })
})
