import { seededRng } from '@nines/core'
import { poolSchema, type PoolConfig } from '@nines/health'
import { Packet } from 'dns2'
import { describe, expect, it } from 'vitest'
import { buildAnswers } from '../answers/build.js'
import { RRType, encodeQuery, parseQuery, type ParsedQuery, writeResponse } from '@nines/wire'
import { dnsZonesSchema, type DnsZones, type DnsZonesInput } from './schema.js'
import { zoneSerial } from './serial.js'

const poolInput = (address: string) => ({
  check: { kind: 'tcp' },
  endpoints: [{ name: 'a', address, port: 8080 }],
})
const pools = (app = '192.0.2.1', other = '192.0.2.9'): Record<string, PoolConfig> => ({
  app: poolSchema.parse(poolInput(app)),
  other: poolSchema.parse(poolInput(other)),
})

const input = (www = '192.0.2.80'): DnsZonesInput => ({
  'nines.test': {
    ns: [{ name: 'ns1.nines.test', addresses: ['127.0.0.1'] }],
    records: [{ name: 'www', type: 'A', data: www }],
    names: { app: { pool: 'app' } },
  },
  'other.test': {
    soa: { serial: 7 },
    ns: [{ name: 'ns1.nines.test' }],
    names: { x: { pool: 'other' } },
  },
})
const parse = (zones: DnsZonesInput): DnsZones => dnsZonesSchema.parse(zones)
const serialOf = (zones: DnsZones, p = pools()) => zoneSerial('nines.test', zones['nines.test']!, p)

describe('zoneSerial', () => {
  it('is the same for equal configuration, however its keys are ordered, on every instance', () => {
    const reordered = parse({
      'other.test': input()['other.test']!,
      'nines.test': {
        names: { app: { pool: 'app' } },
        records: [{ data: '192.0.2.80', type: 'A', name: 'www' }],
        ns: [{ addresses: ['127.0.0.1'], name: 'NS1.nines.test.' }],
      },
    })
    const serial = serialOf(parse(input()))
    expect(serialOf(reordered)).toBe(serial)
    expect(Number.isInteger(serial) && serial > 0 && serial <= 0xffffffff).toBe(true)
  })

  it('changes with the DNS zone data or a pool it answers from, not with anything else', () => {
    const serial = serialOf(parse(input()))
    expect(serialOf(parse(input('192.0.2.81')))).not.toBe(serial)
    expect(serialOf(parse(input()), pools('192.0.2.2'))).not.toBe(serial)
    // Another DNS zone's pool, another DNS zone's data: no change here.
    expect(serialOf(parse(input()), pools(undefined, '192.0.2.10'))).toBe(serial)
    const otherChanged = parse({ ...input(), 'other.test': { ...input()['other.test']!, ttlSec: 60 } })
    expect(serialOf(otherChanged)).toBe(serial)
  })

  it('is what the SOA answers unless soa.serial is set; an explicit build serial still wins', () => {
    const soaSerial = (zones: DnsZones, origin: string, p = pools(), serial?: number) => {
      const { table } = buildAnswers({
        zones,
        pools: p,
        localities: [],
        health: () => ({ effective: 'up', recovering: false }),
        priority: new Map(),
        rng: seededRng(1),
        now: 0,
        ...(serial !== undefined && { serial }),
      })
      const msg = encodeQuery({ name: origin, type: RRType.SOA })
      const query = parseQuery(msg) as ParsedQuery
      const reply = writeResponse(query, msg, table.resolve(query, { address: '127.0.0.1', family: 4 }), {
        maxUdpPayload: 1232,
        transport: 'udp',
      })
      return (Packet.parse(reply).answers[0] as { serial?: number }).serial
    }
    const zones = parse(input())
    expect(soaSerial(zones, 'nines.test')).toBe(serialOf(zones))
    expect(soaSerial(zones, 'nines.test', pools('192.0.2.3'))).toBe(serialOf(zones, pools('192.0.2.3')))
    expect(soaSerial(zones, 'other.test')).toBe(7)
    expect(soaSerial(zones, 'nines.test', pools(), 1234)).toBe(1234)
  })
})
