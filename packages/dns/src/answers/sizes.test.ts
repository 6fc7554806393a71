import { isNinesError, seededRng, type EffectiveState } from '@nines/core'
import { poolSchema, type PoolConfig } from '@nines/health'
import { describe, expect, it } from 'vitest'
import { dnsZonesSchema, type DnsZones, type DnsZonesInput } from '../zone/schema.js'
import { buildAnswers } from './build.js'
import { checkAnswerSizes } from './sizes.js'

const check = { kind: 'tcp' } as const
const endpoints = (count: number, priority = 0, offset = 0) =>
  Array.from({ length: count }, (_, i) => ({
    name: `endpoint-${offset + i}`,
    address: `10.${(offset + i) >> 8}.${(offset + i) & 255}.1`,
    port: 443,
    priority,
  }))

const pools: Record<string, PoolConfig> = {
  small: poolSchema.parse({ check, endpoints: endpoints(3) }),
  // Ten primaries answer while they are up; the 1000 standbys only when they are down.
  huge: poolSchema.parse({ check, endpoints: [...endpoints(10), ...endpoints(1000, 1, 10)] }),
}

const base: DnsZonesInput = {
  'nines.test': {
    ns: [{ name: 'ns1.nines.test', addresses: ['127.0.0.1'] }],
    records: [
      { name: 'www', type: 'A', data: '192.0.2.1' },
      { name: 'txt', type: 'TXT', data: 'fine' },
    ],
    names: { app: { pool: 'small' } },
  },
}

function zones(extra: Partial<DnsZonesInput['nines.test']> = {}): DnsZones {
  const zone = base['nines.test']!
  return dnsZonesSchema.parse({
    'nines.test': {
      ...zone,
      ...extra,
      records: [...(zone.records ?? []), ...(extra.records ?? [])],
      names: { ...zone.names, ...extra.names },
    },
  })
}

function build(z: DnsZones, effective: EffectiveState) {
  return buildAnswers({
    zones: z,
    pools,
    localities: [],
    health: () => ({ effective, recovering: false }),
    priority: new Map(),
    rng: seededRng(1),
    now: 0,
  })
}

describe('checkAnswerSizes', () => {
  it('finds nothing when every answer fits', () => {
    expect(checkAnswerSizes(zones(), pools, [])).toEqual([])
  })

  it('a static RRset larger than a DNS message: the path of its first record, the size, the limit, the fix', () => {
    const big = Array.from({ length: 300 }, (_, i) => ({
      name: 'big',
      type: 'TXT' as const,
      data: `${i}`.padEnd(250, 'x'),
    }))
    const problems = checkAnswerSizes(zones({ records: big }), pools, [])
    expect(problems).toHaveLength(1)
    expect(problems[0]!.path).toEqual(['nines.test', 'records', 2])
    expect(problems[0]!.message).toMatch(
      /^the TXT answer of big\.nines\.test does not fit in a DNS message: 300 records, about \d{5} bytes uncompressed; a message holds at most 65535 bytes \(over TCP\); split the RRset over several names or shorten its data$/,
    )
    // What it saves the daemon from: the build throws.
    expect(() => build(zones({ records: big }), 'up')).toThrow(/more than fits a message/)
  })

  it('a pool that fits while healthy but not once its primaries fail: found before any health change', () => {
    const z = zones({ names: { svc: { pool: 'huge', policy: { kind: 'weighted' }, srv: ['_https._tcp'] } } })
    // All up: ten SRV records, fine; all down (fail-open): 1010, and the build throws.
    expect(() => build(z, 'up')).not.toThrow()
    let error: unknown
    try {
      build(z, 'down')
    } catch (caught) {
      error = caught
    }
    expect(isNinesError(error, 'NINES_ERR_INVALID_ARGUMENT')).toBe(true)
    const problems = checkAnswerSizes(z, pools, [])
    expect(problems.map((p) => p.path)).toEqual([['nines.test', 'names', 'svc', 'srv', 'services', 0]])
    expect(problems[0]!.message).toMatch(
      /^the SRV answer of _https\._tcp\.svc\.nines\.test does not fit in a DNS message: 20\d\d records, about \d+ bytes uncompressed; a message holds at most 65535 bytes \(over TCP\); lower policy\.maxAnswers, or split the pool over several names$/,
    )
  })

  it('SRV at the name itself is reported at the dynamic name', () => {
    const z = zones({ names: { svc: { pool: 'huge', policy: { kind: 'weighted' } } } })
    expect(checkAnswerSizes(z, pools, []).map((p) => p.path)).toEqual([['nines.test', 'names', 'svc']])
  })

  it('a CNAME to a record set too large is reported once, at the record set', () => {
    const big = Array.from({ length: 300 }, (_, i) => ({
      name: 'big',
      type: 'TXT' as const,
      data: `${i}`.padEnd(250, 'y'),
    }))
    const alias = { name: 'alias', type: 'CNAME' as const, data: 'big.nines.test' }
    const problems = checkAnswerSizes(zones({ records: [alias, ...big] }), pools, [])
    expect(problems.map((p) => p.path)).toEqual([['nines.test', 'records', 3]])
  })

  it('leaves broken references to checkZoneReferences', () => {
    expect(checkAnswerSizes(zones({ names: { x: { pool: 'nope' } } }), pools, [])).toEqual([])
  })
})
