import { isNinesError } from '@nines/core'
import { describe, expect, it } from 'vitest'
import { createLocalityMap, localityMapSchema } from './locality-map.js'

const map = createLocalityMap([
  { cidr: '10.0.0.0/8', region: 'r1' },
  { cidr: '10.1.0.0/16', region: 'r1', zone: 'z1a' },
  { cidr: '10.1.2.0/24', region: 'r1', zone: 'z1b' },
  { cidr: '10.1.2.128/25', zone: 'z1c' },
  { cidr: '203.0.113.7/32', region: 'r3' },
  { cidr: '2001:db8::/32', region: 'r2' },
  { cidr: '2001:db8:1::/48', region: 'r2', zone: 'z2a' },
  { cidr: '::/0', region: 'v6-default' },
])

describe('createLocalityMap: longest prefix', () => {
  it.each([
    ['10.1.2.3', '10.1.2.0/24', { region: 'r1', zone: 'z1b' }],
    ['10.1.2.200', '10.1.2.128/25', { zone: 'z1c' }],
    ['10.1.3.4', '10.1.0.0/16', { region: 'r1', zone: 'z1a' }],
    ['10.200.0.1', '10.0.0.0/8', { region: 'r1' }],
    ['203.0.113.7', '203.0.113.7/32', { region: 'r3' }],
    ['2001:db8:1::5', '2001:db8:1::/48', { region: 'r2', zone: 'z2a' }],
    ['2001:DB8:1:0:0:0:0:ffff', '2001:db8:1::/48', { region: 'r2', zone: 'z2a' }],
    ['2001:db8:2::1', '2001:db8::/32', { region: 'r2' }],
    ['fe80::1%eth0', '::/0', { region: 'v6-default' }],
    ['::ffff:10.1.2.3', '10.1.2.0/24', { region: 'r1', zone: 'z1b' }],
  ])('%s matches %s', (address, cidr, locality) => {
    expect(map.match(address)).toMatchObject({ cidr, locality, prefixLength: Number(cidr.split('/')[1]) })
    expect(map.lookup(address)).toEqual(locality)
  })

  it.each(['192.168.1.1', '203.0.113.8', 'not-an-ip', '', '10.1.2'])('%j has no locality', (address) => {
    expect(map.lookup(address)).toBeUndefined()
  })

  it('reads raw bytes, as in ECS', () => {
    expect(map.lookup(Buffer.from([10, 1, 2, 3]))?.zone).toBe('z1b')
    // ECS truncates the address to its source prefix: 10.1.2/24 is 3 bytes.
    expect(map.lookup(Buffer.from([10, 1, 2]), 4)?.zone).toBe('z1b')
    const v6 = Buffer.alloc(16)
    v6.set([0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01])
    expect(map.lookup(v6)?.zone).toBe('z2a')
    expect(map.lookup(v6.subarray(0, 6), 6)?.zone).toBe('z2a')
    expect(map.lookup(Buffer.from([10, 1, 2, 3, 4]))).toBeUndefined()
    expect(map.lookup(Buffer.from([10, 1, 2, 3, 4]), 4)).toBeUndefined()
  })

  it.each([
    [24, '10.1.2.0/24'],
    [23, '10.1.0.0/16'],
    [8, '10.0.0.0/8'],
    [32, '10.1.2.128/25'],
  ])('an ECS source prefix of /%i matches only entries at least as wide (%s)', (sourcePrefixLength, cidr) => {
    expect(map.match('10.1.2.200', 4, sourcePrefixLength)?.cidr).toBe(cidr)
  })

  it('an ECS source prefix on a mapped address counts from the IPv4 part', () => {
    expect(map.match('::ffff:10.1.2.200', 6, 120)?.cidr).toBe('10.1.2.0/24')
  })

  it('an ECS source prefix of /0 matches only ::/0', () => {
    expect(map.match('2001:db8:1::1', 6, 0)?.cidr).toBe('::/0')
    expect(map.match('10.1.2.3', 4, 0)).toBeUndefined()
  })

  it('reports its size', () => {
    expect(map.size).toBe(8)
    expect(createLocalityMap([]).lookup('10.0.0.1')).toBeUndefined()
  })
})

describe('localityMapSchema', () => {
  it.each([
    ['10.0.0/8', 'expected a CIDR such as 10.0.0.0/8 or 2001:db8::/32, got "10.0.0/8"'],
    ['10.0.0.0', 'expected a CIDR such as 10.0.0.0/8 or 2001:db8::/32, got "10.0.0.0"'],
    ['10.0.0.0/', 'expected a CIDR such as 10.0.0.0/8 or 2001:db8::/32, got "10.0.0.0/"'],
    ['/8', 'expected a CIDR such as 10.0.0.0/8 or 2001:db8::/32, got "/8"'],
    ['10.0.0.0/x', 'expected a CIDR such as 10.0.0.0/8 or 2001:db8::/32, got "10.0.0.0/x"'],
    ['fe80::%eth0/64', 'expected a CIDR such as 10.0.0.0/8 or 2001:db8::/32, got "fe80::%eth0/64"'],
    ['10.0.0.0/33', 'expected a prefix length of 0..32, got 33 in "10.0.0.0/33"'],
    ['2001:db8::/129', 'expected a prefix length of 0..128, got 129 in "2001:db8::/129"'],
    ['10.1.2.3/16', 'host bits set in "10.1.2.3/16": expected 10.1.0.0/16'],
    ['2001:db8::1/32', 'host bits set in "2001:db8::1/32": expected 2001:db8::/32'],
    ['2001:db8:0:1:1::/64', 'host bits set in "2001:db8:0:1:1::/64": expected 2001:db8:0:1::/64'],
  ])('rejects %j with an exact message', (cidr, message) => {
    const result = localityMapSchema.safeParse([
      { cidr: '192.0.2.0/24', zone: 'ok' },
      { cidr, region: 'r' },
    ])
    expect(result.success).toBe(false)
    expect(result.error?.issues.map((i) => ({ path: i.path, message: i.message }))).toEqual([
      { path: [1, 'cidr'], message },
    ])
  })

  it('needs a region or a zone', () => {
    const result = localityMapSchema.safeParse([{ cidr: '10.0.0.0/8' }])
    expect(result.error?.issues[0]?.message).toBe('expected region or zone')
  })

  it('rejects the same network twice, however written', () => {
    const result = localityMapSchema.safeParse([
      { cidr: '10.0.0.0/8', zone: 'a' },
      { cidr: '2001:db8::/32', zone: 'b' },
      { cidr: '10.0.0.0/08', zone: 'c' },
      { cidr: '2001:0db8:0::/32', zone: 'd' },
    ])
    expect(result.error?.issues.map((i) => ({ path: i.path, message: i.message }))).toEqual([
      { path: [2, 'cidr'], message: 'duplicate of entry 0 (10.0.0.0/8)' },
      { path: [3, 'cidr'], message: 'duplicate of entry 1 (2001:db8::/32)' },
    ])
  })

  it('accepts valid entries unchanged', () => {
    const entries = [
      { cidr: '0.0.0.0/0', region: 'any' },
      { cidr: '2001:db8::/32', region: 'r', zone: 'z' },
      { cidr: '::ffff:0:0/96', zone: 'mapped' },
    ]
    expect(localityMapSchema.parse(entries)).toEqual(entries)
  })

  it('createLocalityMap throws the same message with the entry path', () => {
    let error: unknown
    try {
      createLocalityMap([{ cidr: '10.1.2.3/16', zone: 'z' }])
    } catch (e) {
      error = e
    }
    expect(isNinesError(error, 'NINES_ERR_INVALID_ARGUMENT')).toBe(true)
    expect((error as Error).message).toBe(
      'locality map[0].cidr: host bits set in "10.1.2.3/16": expected 10.1.0.0/16',
    )
  })
})
