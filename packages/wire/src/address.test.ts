import { SocketAddress } from 'node:net'
import { seededRng } from '@nines/core'
import { describe, expect, it } from 'vitest'
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from './address.js'

describe('parseIPv4', () => {
  it.each([
    ['192.0.2.1', 'c0000201'],
    ['0.0.0.0', '00000000'],
    ['255.255.255.255', 'ffffffff'],
  ])('%s', (text, hex) => {
    expect(parseIPv4(text)?.toString('hex')).toBe(hex)
  })

  it.each(['10.0.0.300', '010.0.0.1', '1.2.3', '1.2.3.4 ', '::1', ''])('rejects %j', (text) => {
    expect(parseIPv4(text)).toBeNull()
  })
})

describe('parseIPv6', () => {
  it.each([
    ['::ffff:1.2.3.4', '00000000000000000000ffff01020304'],
    ['::1', '00000000000000000000000000000001'],
    ['::', '00000000000000000000000000000000'],
    ['1::', '00010000000000000000000000000000'],
    ['2001:db8::1', '20010db8000000000000000000000001'],
    ['2001:DB8:0:0:1:0:0:1', '20010db8000000000001000000000001'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
    ['::1.2.3.4', '00000000000000000000000001020304'],
    ['1:2:3:4:5:6:1.2.3.4', '00010002000300040005000601020304'],
    ['64:ff9b::192.0.2.33', '0064ff9b0000000000000000c0000221'],
  ])('%s', (text, hex) => {
    expect(parseIPv6(text)?.toString('hex')).toBe(hex)
  })

  it.each(['fe80::1%eth0', '1.2.3.4', '1::2::3', ':::', '1:2:3:4:5:6:7:8:9', '::ffff:1.2.3.400', 'g::1'])(
    'rejects %j',
    (text) => {
      expect(parseIPv6(text)).toBeNull()
    },
  )
})

describe('formatIPv4 / formatIPv6', () => {
  it('zero-pads a prefix', () => {
    expect(formatIPv4(Buffer.from([203, 0, 113]), 0, 3)).toBe('203.0.113.0')
    expect(formatIPv4(Buffer.alloc(0), 0, 0)).toBe('0.0.0.0')
    expect(formatIPv6(Buffer.from('20010db8123456', 'hex'), 0, 7)).toBe('2001:db8:1234:5600::')
    expect(formatIPv6(Buffer.alloc(0), 0, 0)).toBe('::')
  })

  it.each([
    ['20010db8000000000000000000000001', '2001:db8::1'],
    // RFC 5952 §4.2.2: a single zero group is not shortened; §4.2.3: the first longest run wins.
    ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'],
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['20010000000000010000000000000001', '2001:0:0:1::1'],
    ['00010000000000000000000000000000', '1::'],
  ])('%s', (hex, text) => {
    expect(formatIPv6(Buffer.from(hex, 'hex'), 0, 16)).toBe(text)
  })

  it('agrees with the operating system and round-trips, for random addresses', () => {
    const rng = seededRng(42)
    for (let n = 0; n < 500; n++) {
      const bytes = Buffer.alloc(16)
      // Groups are zero half the time, so runs of zeros are common. A non-zero first group keeps
      // inet_ntop away from its dotted forms for mapped and compatible addresses.
      for (let g = 0; g < 8; g++)
        if (g === 0 || rng.next() < 0.5) bytes.writeUInt16BE(1 + Math.floor(rng.next() * 0xffff), g * 2)
      const text = formatIPv6(bytes, 0, 16)
      expect(text).toBe(new SocketAddress({ address: text, family: 'ipv6' }).address)
      expect(parseIPv6(text)?.equals(bytes)).toBe(true)
    }
  })
})
