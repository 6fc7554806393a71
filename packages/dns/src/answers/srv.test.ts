import { seededRng, type EffectiveState } from '@nines/core'
import { poolSchema, type PoolConfig } from '@nines/health'
import { Packet } from 'dns2'
import { describe, expect, it } from 'vitest'
import { RRType, Rcode, encodeQuery, isQueryProblem, writeResponse, slowParse } from '@nines/wire'
import { dnsZonesSchema, type DnsZonesInput } from '../zone/schema.js'
import { buildAnswers } from './build.js'
import type { AnswerTable } from './table.js'

const check = { kind: 'tcp', intervalMs: 1000, timeoutMs: 500, rise: 2, fall: 3 } as const
const pools: Record<string, PoolConfig> = {
  app: poolSchema.parse({
    check,
    endpoints: [
      { name: 'a', address: '127.0.0.11', port: 8080 },
      { name: 'b', address: '127.0.0.12', port: 8443, weight: 3 },
      { name: 'c', address: '127.0.0.13', port: 8080 },
    ],
  }),
}

const zones: DnsZonesInput = {
  'nines.test': {
    ns: [{ name: 'ns1.nines.test', addresses: ['127.0.0.1'] }],
    records: [
      { name: 'alias', type: 'CNAME', data: '_http._tcp.app.nines.test' },
      { name: '_http._tcp.app', type: 'TXT', data: 'beside the SRV' },
    ],
    names: {
      app: {
        pool: 'app',
        policy: { ttl: { normalSec: 30, degradedSec: 5 } },
        srv: ['_http._tcp', '_h2._TCP'],
      },
      both: { pool: 'app', srv: { services: ['_sip._udp'] } },
    },
  },
}

function build(down: readonly string[] = []): AnswerTable {
  return buildAnswers({
    zones: dnsZonesSchema.parse(zones),
    pools,
    localities: [],
    health: (_pool, id) => ({
      effective: (down.includes(id) ? 'down' : 'up') as EffectiveState,
      recovering: false,
    }),
    priority: new Map(),
    serial: 1,
    rng: seededRng(3),
    now: 1_000_000,
  }).table
}

function ask(table: AnswerTable, name: string, type: number = RRType.SRV) {
  const msg = encodeQuery({ id: 9, name, type })
  const query = slowParse(msg)
  if (isQueryProblem(query)) throw new Error(`${query.problem}: ${query.detail}`)
  const answer = table.resolve(query, { address: '192.0.2.200', family: 4 })
  const packet = Packet.parse(writeResponse(query, msg, answer, { maxUdpPayload: 4096, transport: 'tcp' }))
  expect(packet.errors).toEqual([])
  return packet
}

describe('SRV at _service._proto.<name> (srv.services, RFC 2782)', () => {
  const table = build()

  it('answers the pool as SRV at each service, owned by the name asked, with the targets addresses', () => {
    for (const name of ['_http._tcp.app.nines.test', '_h2._tcp.APP.nines.test']) {
      const packet = ask(table, name)
      expect(packet.header).toMatchObject({ aa: 1, rcode: Rcode.NOERROR })
      expect(packet.answers.map((r) => r.name.toLowerCase())).toEqual(Array(3).fill(name.toLowerCase()))
      expect(packet.answers.map((r) => [r.target, r.port, r.weight]).sort()).toEqual([
        ['a.app.nines.test', 8080, 1],
        ['b.app.nines.test', 8443, 3],
        ['c.app.nines.test', 8080, 1],
      ])
      expect(packet.additionals.map((r) => [r.name.toLowerCase(), r.address]).sort()).toEqual([
        ['a.app.nines.test', '127.0.0.11'],
        ['b.app.nines.test', '127.0.0.12'],
        ['c.app.nines.test', '127.0.0.13'],
      ])
    }
  })

  it('follows health there too', () => {
    const packet = ask(build(['b']), '_http._tcp.app.nines.test')
    expect(packet.answers.map((r) => r.target).sort()).toEqual(['a.app.nines.test', 'c.app.nines.test'])
  })

  it('the array form answers only at the services; the object form keeps the name itself', () => {
    expect(ask(table, 'app.nines.test').header).toMatchObject({ rcode: Rcode.NOERROR, ancount: 0 })
    expect(ask(table, 'both.nines.test').answers).toHaveLength(3)
    expect(ask(table, '_sip._udp.both.nines.test').answers).toHaveLength(3)
    // Targets exist for either form.
    expect(ask(table, 'a.app.nines.test', RRType.A).answers.map((r) => r.address)).toEqual(['127.0.0.11'])
  })

  it('other types at a service are NODATA or its static data; its parent is an empty non-terminal; a CNAME to it is followed', () => {
    expect(ask(table, '_http._tcp.app.nines.test', RRType.A).header).toMatchObject({ rcode: 0, ancount: 0 })
    expect(ask(table, '_http._tcp.app.nines.test', RRType.TXT).answers[0]?.data).toEqual(['beside the SRV'])
    expect(ask(table, '_tcp.app.nines.test').header).toMatchObject({ rcode: 0, ancount: 0 })
    expect(ask(table, '_ftp._tcp.app.nines.test').header.rcode).toBe(Rcode.NXDOMAIN)
    const alias = ask(table, 'alias.nines.test')
    expect(alias.answers.map((r) => r.type)).toEqual([RRType.CNAME, RRType.SRV, RRType.SRV, RRType.SRV])
  })
})

describe('one TTL per dynamic answer', () => {
  it('the additional addresses of an SRV answer carry its TTL: 30 when healthy, 5 while degraded', () => {
    for (const [down, ttl] of [
      [[], 30],
      [['c'], 5],
    ] as const) {
      const table = build(down)
      for (const name of ['_http._tcp.app.nines.test', 'both.nines.test', '_sip._udp.both.nines.test']) {
        const packet = ask(table, name)
        expect(packet.answers.length).toBeGreaterThan(0)
        expect(packet.additionals.length).toBe(packet.answers.length)
        expect(new Set([...packet.answers, ...packet.additionals].map((r) => r.ttl))).toEqual(new Set([ttl]))
      }
    }
  })
})
