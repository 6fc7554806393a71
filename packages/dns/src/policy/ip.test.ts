import { seededRng } from '@nines/core'
import { isIP } from 'node:net'
import { describe, expect, it } from 'vitest'
import { formatIp, ipFromBytes, maskWords, parseCidr, parseIp, unmapIPv4 } from './ip.js'

/** Node's own parser as the oracle: `isIP` for validity, WHATWG URL for the canonical IPv6 form. */
function canonical(text: string): string | undefined {
  const family = isIP(text)
  if (family === 4) return text
  if (family === 6) return new URL(`http://[${text.split('%')[0]}]/`).hostname.slice(1, -1)
  return undefined
}

describe('parseIp', () => {
  it.each([
    '0.0.0.0',
    '255.255.255.255',
    '10.1.2.3',
    '::',
    '::1',
    '1::',
    '2001:db8::1',
    '2001:DB8:0:0:0:0:0:1',
    '1:2:3:4:5:6:7:8',
    '1::2:3:4:5:6:7',
    '::ffff:10.1.2.3',
    '1:2:3:4:5:6:1.2.3.4',
    '::1.2.3.4',
    'fe80::1%eth0',
    'fe80::1%',
    '01.2.3.4',
    '256.1.1.1',
    '1.2.3',
    '1.2.3.4.5',
    '1.2.3.',
    '1:2:3:4:5:6:7:8:9',
    '1::2:3:4:5:6:7:8',
    '1:::2',
    ':1::2',
    '1::2:',
    '::1.2.3',
    '1.2.3.4::',
    '12345::',
    'g::1',
    '',
    ':',
    '[::1]',
  ])('%j agrees with node:net', (text) => {
    const parsed = parseIp(text)
    expect(parsed === undefined ? undefined : formatIp(parsed)).toBe(canonical(text))
  })

  it('agrees with node:net on random strings', () => {
    const rng = seededRng(2024)
    const alphabet = '0123456789abcdefABCDEF::..'
    const disagreements: string[] = []
    let valid = 0
    for (let n = 0; n < 30_000; n++) {
      const length = 1 + Math.floor(rng.next() * 18)
      let text = ''
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(rng.next() * alphabet.length)]
      const parsed = parseIp(text)
      const got = parsed === undefined ? undefined : formatIp(parsed)
      if (got !== undefined) valid++
      if (got !== canonical(text)) disagreements.push(text)
    }
    expect(disagreements).toEqual([])
    expect(valid).toBeGreaterThan(0)
  })
})

describe('ip helpers', () => {
  it('reads bytes, padding short ones when the family is given', () => {
    expect(ipFromBytes(Uint8Array.from([192, 0, 2, 1]))).toEqual({ family: 4, words: [0xc0000201] })
    expect(ipFromBytes(Uint8Array.from([192, 0]), 4)).toEqual({ family: 4, words: [0xc0000000] })
    expect(formatIp(ipFromBytes(Uint8Array.from([0x20, 0x01, 0x0d, 0xb8]), 6)!)).toBe('2001:db8::')
    expect(ipFromBytes(Uint8Array.from([1, 2, 3]))).toBeUndefined()
    expect(ipFromBytes(new Uint8Array(17), 6)).toBeUndefined()
  })

  it('unmaps IPv4-mapped IPv6 addresses only', () => {
    expect(unmapIPv4(parseIp('::ffff:192.0.2.1')!)).toEqual({ family: 4, words: [0xc0000201] })
    expect(unmapIPv4(parseIp('::fffe:192.0.2.1')!).family).toBe(6)
  })

  it.each([
    [[0xffffffff], 0, [0]],
    [[0xffffffff], 1, [0x80000000]],
    [[0xffffffff], 31, [0xfffffffe]],
    [[0xffffffff], 32, [0xffffffff]],
    [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], 48, [0xffffffff, 0xffff0000, 0, 0]],
  ])('masks %j to /%i', (words, length, expected) => {
    expect(maskWords(words, length)).toEqual(expected)
  })

  it('parses a CIDR', () => {
    expect(parseCidr('2001:db8::/32')).toEqual({
      ok: true,
      cidr: { family: 6, words: [0x20010db8, 0, 0, 0], prefixLength: 32, text: '2001:db8::/32' },
    })
  })
})
