import { describe, expect, it } from 'vitest'
import { cidrSchema, compileCidrs, parseCidr } from './cidr.js'

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/8', { address: '10.0.0.0', prefix: 8, family: 4 }],
    ['192.0.2.7', { address: '192.0.2.7', prefix: 32, family: 4 }],
    ['0.0.0.0/0', { address: '0.0.0.0', prefix: 0, family: 4 }],
    ['fd00::/8', { address: 'fd00::', prefix: 8, family: 6 }],
    ['::1', { address: '::1', prefix: 128, family: 6 }],
  ])('%s', (text, expected) => expect(parseCidr(text)).toEqual(expected))

  it.each(['10.0.0.0/33', 'fd00::/129', '10.0.0.0/', '10.0.0.0/-1', 'proxy.local', '10.0.0/8', '', '/8'])(
    'rejects %j',
    (text) => expect(parseCidr(text)).toBeNull(),
  )

  it('names the value in the schema message', () => {
    const result = cidrSchema.safeParse('10.0.0.0/33')
    expect(result.error!.issues[0]!.message).toBe(
      'expected an address or CIDR such as 10.0.0.0/8, 192.0.2.7 or fd00::/8, got "10.0.0.0/33"',
    )
  })
})

describe('compileCidrs', () => {
  const trusted = compileCidrs(['10.0.0.0/8', '192.0.2.7', 'fd00::/8'])
  it.each([
    ['10.1.2.3', true],
    ['11.0.0.1', false],
    ['192.0.2.7', true],
    ['192.0.2.8', false],
    ['::ffff:10.1.2.3', true],
    ['::FFFF:192.0.2.7', true],
    ['::ffff:11.0.0.1', false],
    ['fd12::1', true],
    ['fe80::1', false],
    ['not-an-address', false],
    ['', false],
  ])('%j → %s', (address, expected) => expect(trusted(address)).toBe(expected))

  it('trusts nobody when empty', () => expect(compileCidrs([])('10.1.2.3')).toBe(false))

  it('throws on a CIDR the schema would refuse', () =>
    expect(() => compileCidrs(['10.0.0.0/33'])).toThrow(/cidrs: not an address or CIDR: "10.0.0.0\/33"/))
})
