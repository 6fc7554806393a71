import { seededRng, type EffectiveState } from '@nines/core'
import { poolSchema, type PoolConfig } from '@nines/health'
import { Packet } from 'dns2'
import { describe, expect, it } from 'vitest'
import type { LocalityMapEntry } from '../policy/locality-map.js'
import type { PriorityState } from '../policy/priority.js'
import type { AllDownAction } from '../policy/schema.js'
import { RRType, Rcode, encodeQuery, isQueryProblem, writeResponse, slowParse } from '@nines/wire'
import { dnsZonesSchema, type DnsZonesInput } from '../zone/schema.js'
import { buildAnswers } from './build.js'
import type { AnswerTable } from './table.js'
import type { BuildInput, BuiltAnswers, EndpointHealthView } from './types.js'

const check = { kind: 'http', path: '/health', intervalMs: 1000, timeoutMs: 500, rise: 2, fall: 3 } as const
const pools: Record<string, PoolConfig> = {
  app: poolSchema.parse({
    check,
    endpoints: [
      { name: 'a', address: '127.0.0.11', port: 8080, labels: { region: 'local', zone: 'z1' } },
      { name: 'b', address: '127.0.0.12', port: 8080, labels: { region: 'local', zone: 'z2' } },
      { name: 'c', address: '127.0.0.13', port: 8080, labels: { region: 'local', zone: 'z3' } },
      { name: 'a6', address: '2001:db8::a', port: 8080, labels: { region: 'local', zone: 'z1' } },
    ],
  }),
  failover: poolSchema.parse({
    check,
    endpoints: [
      { name: 'p1', address: '192.0.2.1', port: 443 },
      { name: 'p2', address: '192.0.2.2', port: 443 },
      { name: 's1', address: '192.0.2.9', port: 443, priority: 1, host: 'standby.example.org' },
    ],
  }),
  weighted: poolSchema.parse({
    check,
    endpoints: [
      { address: '198.51.100.1', port: 80, weight: 3 },
      { address: '198.51.100.2', port: 80, weight: 1 },
      { address: '198.51.100.3', port: 80, weight: 0, host: 'web.nines.test' },
    ],
  }),
}

/** Four dynamic names; `app` takes the all-down action under test. */
const zones = (allDown: AllDownAction = 'fail-open'): DnsZonesInput => ({
  'nines.test': {
    ns: [{ name: 'ns1.nines.test', addresses: ['127.0.0.1'] }],
    records: [{ name: 'www', type: 'CNAME', data: 'app.nines.test' }],
    names: {
      app: {
        pool: 'app',
        policy: { ttl: { normalSec: 30, degradedSec: 5 }, allDown },
        backup: ['192.0.2.99', '2001:db8::99'],
      },
      failover: { pool: 'failover', policy: { priority: { holdMs: 30_000 } } },
      weighted: { pool: 'weighted', policy: { kind: 'weighted' } },
      plain: { pool: 'app', policy: { locality: { enabled: false } }, srv: { enabled: false } },
      nearest: { pool: 'app', policy: { locality: { mode: 'first' } }, srv: { enabled: false } },
    },
  },
})

const localities: LocalityMapEntry[] = [
  { cidr: '10.0.0.0/8', region: 'local', zone: 'z3' },
  { cidr: '10.1.0.0/16', region: 'local', zone: 'z1' },
  { cidr: '10.2.0.0/16', region: 'local', zone: 'z2' },
  { cidr: '2001:db8:1::/48', region: 'local', zone: 'z1' },
]

type Health = Record<string, EffectiveState | EndpointHealthView>

function build(
  health: Health = {},
  overrides: Partial<BuildInput> & { allDown?: AllDownAction } = {},
): BuiltAnswers {
  const { allDown, ...rest } = overrides
  return buildAnswers({
    zones: dnsZonesSchema.parse(zones(allDown)),
    pools,
    localities,
    health: (_pool, id) => {
      const h = health[id] ?? 'up'
      return typeof h === 'string' ? { effective: h } : h
    },
    priority: new Map(),
    serial: 1,
    rng: seededRng(7),
    now: 1_000_000,
    ...rest,
  })
}

function ask(
  table: AnswerTable,
  name: string,
  type: number = RRType.A,
  options: { ecs?: string; from?: string } = {},
) {
  const msg = encodeQuery({
    id: 9,
    name,
    type,
    edns: options.ecs === undefined ? undefined : { ecs: options.ecs },
  })
  const query = slowParse(msg)
  if (isQueryProblem(query)) throw new Error(`${query.problem}: ${query.detail}`)
  const from = options.from ?? '192.0.2.200'
  const answer = table.resolve(query, { address: from, family: from.includes(':') ? 6 : 4 })
  const packet = Packet.parse(writeResponse(query, msg, answer, { maxUdpPayload: 4096, transport: 'tcp' }))
  expect(packet.errors).toEqual([])
  const ecs = packet.additionals.find((r) => r.type === RRType.OPT)?.rdata?.[0] as
    { scopePrefixLength: number } | undefined
  return { answer, packet, scope: ecs?.scopePrefixLength }
}

const addresses = (packet: Packet) => packet.answers.map((r) => r.address)
const sorted = (packet: Packet) => addresses(packet).slice().sort()

/** The addresses of `count` answers in a row. */
function series(table: AnswerTable, name: string, type: number = RRType.A, count = 8) {
  return Array.from({ length: count }, () => ask(table, name, type).packet)
}

describe('a dynamic name, all endpoints up', () => {
  const { table } = build()

  it('A answers the IPv4 endpoints and AAAA the IPv6 ones, from one selection, normal TTL', () => {
    const a = ask(table, 'app.nines.test').packet
    expect(a.header).toMatchObject({ aa: 1, rcode: Rcode.NOERROR })
    expect(sorted(a)).toEqual(['127.0.0.11', '127.0.0.12', '127.0.0.13'])
    expect(a.answers.every((r) => r.ttl === 30 && r.type === RRType.A)).toBe(true)
    const aaaa = ask(table, 'app.nines.test', RRType.AAAA).packet
    expect(addresses(aaaa)).toEqual(['2001:db8::a'])
  })

  it('rotates: each endpoint of the family leads equally often across resolves', () => {
    const leads = new Map<string, number>()
    for (const packet of series(table, 'app.nines.test', RRType.A, 9)) {
      const first = packet.answers[0]!.address!
      leads.set(first, (leads.get(first) ?? 0) + 1)
      expect(packet.answers).toHaveLength(3)
    }
    expect(Object.fromEntries(leads)).toEqual({ '127.0.0.11': 3, '127.0.0.12': 3, '127.0.0.13': 3 })
  })

  it('SRV: priority, weight, port, synthesized targets and their addresses as additional data', () => {
    const { packet } = ask(table, 'app.nines.test', RRType.SRV)
    const srv = packet.answers.map((r) => [r.target, r.priority, r.weight, r.port]).sort()
    expect(srv).toEqual([
      ['a.app.nines.test', 0, 1, 8080],
      ['a6.app.nines.test', 0, 1, 8080],
      ['b.app.nines.test', 0, 1, 8080],
      ['c.app.nines.test', 0, 1, 8080],
    ])
    expect(packet.additionals.map((r) => [r.name, r.address]).sort()).toEqual([
      ['a.app.nines.test', '127.0.0.11'],
      ['a6.app.nines.test', '2001:db8::a'],
      ['b.app.nines.test', '127.0.0.12'],
      ['c.app.nines.test', '127.0.0.13'],
    ])
  })

  it('SRV targets: an out-of-zone host has no additional data; an in-zone host is served', () => {
    const failover = ask(table, 'failover.nines.test', RRType.SRV).packet
    expect(failover.answers.map((r) => r.target).sort()).toEqual([
      'p1.failover.nines.test',
      'p2.failover.nines.test',
    ])
    const weighted = ask(table, 'weighted.nines.test', RRType.SRV).packet
    // Only weighted endpoints while any is up, and not drawn down to maxAnswers 1: SRV clients draw themselves.
    expect(weighted.answers.map((r) => [r.target, r.weight]).sort()).toEqual([
      ['0.weighted.nines.test', 3],
      ['1.weighted.nines.test', 1],
    ])
    expect(addresses(ask(table, 'web.nines.test').packet)).toEqual(['198.51.100.3'])
  })

  it('srv.enabled false: SRV is NODATA and no target names exist', () => {
    expect(ask(table, 'plain.nines.test', RRType.SRV).packet.header).toMatchObject({
      rcode: 0,
      ancount: 0,
      nscount: 1,
    })
    expect(ask(table, 'a.plain.nines.test').packet.header.rcode).toBe(Rcode.NXDOMAIN)
  })

  it('a family without endpoints is NODATA with the DNS zone negative TTL', () => {
    const { packet } = ask(table, 'failover.nines.test', RRType.AAAA)
    expect(packet.header).toMatchObject({ rcode: Rcode.NOERROR, ancount: 0, nscount: 1 })
    expect(packet.authorities[0]?.ttl).toBe(60)
  })

  it('weighted: one record per answer, drawn by weight, never the weight-0 endpoint while others are up', () => {
    const seen = series(table, 'weighted.nines.test', RRType.A, 16).map((p) => addresses(p))
    expect(seen.every((a) => a.length === 1)).toBe(true)
    const counts = new Map<string, number>()
    for (const [address] of seen) counts.set(address!, (counts.get(address!) ?? 0) + 1)
    expect(counts.get('198.51.100.3')).toBeUndefined()
    expect(counts.get('198.51.100.1')!).toBeGreaterThan(counts.get('198.51.100.2')!)
  })

  it('reports each name: answer, reason, endpoints', () => {
    const report = build().names.find((n) => n.name === 'app.nines.test')!
    expect(report).toMatchObject({
      pool: 'app',
      policy: 'all',
      state: 'healthy',
      failedOpen: false,
      panic: false,
      activePriority: 0,
      ttlSec: 30,
      ttlRule: 'normal',
      counts: { up: 4, down: 0, drain: 0 },
      steps: [{ step: 'priority', detail: 'priority 0: 4/4 up' }],
    })
    expect(report.allDownAction).toBeUndefined()
    expect(report.answer.slice().sort()).toEqual(['127.0.0.11', '127.0.0.12', '127.0.0.13', '2001:db8::a'])
    expect(report.endpoints).toContainEqual({
      id: 'a6',
      address: '2001:db8::a',
      port: 8080,
      priority: 0,
      effective: 'up',
    })
    expect(build().names.find((n) => n.name === 'plain.nines.test')?.localities).toEqual([])
    expect(build().names.map((n) => n.name)).toEqual([
      'app.nines.test',
      'failover.nines.test',
      'weighted.nines.test',
      'plain.nines.test',
      'nearest.nines.test',
    ])
  })
})

describe('health changes', () => {
  it('an endpoint that is down is gone from every variant, and the TTL is short', () => {
    const { table, names: reports } = build({ b: 'down' })
    for (const packet of series(table, 'app.nines.test')) {
      expect(sorted(packet)).toEqual(['127.0.0.11', '127.0.0.13'])
      expect(packet.answers.every((r) => r.ttl === 5)).toBe(true)
    }
    expect(
      series(table, 'app.nines.test', RRType.SRV, 4).every(
        (p) => !p.answers.some((r) => r.target === 'b.app.nines.test'),
      ),
    ).toBe(true)
    expect(reports[0]).toMatchObject({ state: 'degraded', ttlSec: 5, ttlRule: 'degraded' })
  })

  it('a drained endpoint gets no traffic, and the drain shortens the TTL of A, AAAA and SRV at once', () => {
    const { table, names: reports } = build({ c: 'drain' })
    for (const packet of series(table, 'app.nines.test')) {
      expect(sorted(packet)).toEqual(['127.0.0.11', '127.0.0.12'])
      expect(packet.answers.map((r) => r.ttl)).toEqual([5, 5])
    }
    expect(ask(table, 'app.nines.test', RRType.AAAA).packet.answers[0]?.ttl).toBe(5)
    expect(ask(table, 'app.nines.test', RRType.SRV).packet.answers.every((r) => r.ttl === 5)).toBe(true)
    expect(reports[0]).toMatchObject({
      state: 'healthy',
      ttlSec: 5,
      ttlRule: 'draining',
      reason: 'priority 0: 3/3 up; draining 1',
      counts: { up: 3, down: 0, drain: 1 },
    })
    expect(reports[0]?.endpoints.find((e) => e.id === 'c')?.effective).toBe('drain')
  })

  it.each([
    [29_999, 5, 'recovering', 1_000_000 + 1],
    [30_000, 30, 'normal', undefined],
  ])('an endpoint back up %i ms ago: TTL %i (%s), next rebuild at %s', (agoMs, ttl, rule, nextChangeAt) => {
    const built = build({ a: { effective: 'up', recoveredAt: 1_000_000 - agoMs } })
    expect(ask(built.table, 'app.nines.test').packet.answers[0]?.ttl).toBe(ttl)
    expect(built.names[0]).toMatchObject({ ttlRule: rule })
    expect(built.nextChangeAt).toBe(nextChangeAt)
  })

  it('the next rebuild is the earliest of a recovering window end and a held failback', () => {
    // The failback falls due at 999_000 + 30_000, after the window of a (995_000 + 30_000).
    const stored: PriorityState = { active: 1, since: 0, upSince: { 0: 999_000, 1: 0 } }
    const built = build(
      { a: { effective: 'up', recoveredAt: 995_000 } },
      { priority: new Map([['failover.nines.test', stored]]) },
    )
    expect(built.nextChangeAt).toBe(995_000 + 30_000)
  })

  it('counts unknown as down and keeps drain apart', () => {
    const report = build({ a: 'unknown', b: 'down', c: 'drain' }).names[0]!
    expect(report.counts).toEqual({ up: 1, down: 2, drain: 1 })
  })

  it('the IPv6 endpoint down: AAAA is NODATA with a negative TTL no longer than the degraded TTL', () => {
    const { packet } = ask(build({ a6: 'down' }).table, 'app.nines.test', RRType.AAAA)
    expect(packet.header).toMatchObject({ rcode: Rcode.NOERROR, ancount: 0 })
    expect(packet.authorities[0]).toMatchObject({ type: RRType.SOA, ttl: 5 })
  })
})

describe('all down', () => {
  const allDown = { a: 'down', b: 'down', c: 'down', a6: 'down' } as const

  it('fail-open answers every endpoint, degraded TTL, and says so', () => {
    const { table, names: reports } = build(allDown)
    const packet = ask(table, 'app.nines.test').packet
    expect(sorted(packet)).toEqual(['127.0.0.11', '127.0.0.12', '127.0.0.13'])
    expect(packet.answers[0]?.ttl).toBe(5)
    expect(reports[0]).toMatchObject({
      state: 'all-down',
      allDownAction: 'fail-open',
      failedOpen: true,
      ttlRule: 'all-down',
    })
  })

  it('fail-open keeps priority groups in sequence: primaries rotate first, the standby last', () => {
    const { table } = build({ p1: 'down', p2: 'down', s1: 'down' })
    const answers = series(table, 'failover.nines.test', RRType.A, 4).map(addresses)
    expect(answers.map((a) => a[2])).toEqual(Array(4).fill('192.0.2.9'))
    expect(new Set(answers.map((a) => a[0]))).toEqual(new Set(['192.0.2.1', '192.0.2.2']))
  })

  it('backup answers the backup addresses by family with the degraded TTL; SRV is NODATA', () => {
    const { table, names: reports } = build(allDown, { allDown: 'backup' })
    expect(ask(table, 'app.nines.test').packet.answers).toEqual([
      expect.objectContaining({ address: '192.0.2.99', ttl: 5 }),
    ])
    expect(addresses(ask(table, 'app.nines.test', RRType.AAAA).packet)).toEqual(['2001:db8::99'])
    expect(ask(table, 'app.nines.test', RRType.SRV).packet.header).toMatchObject({
      rcode: 0,
      ancount: 0,
      nscount: 1,
    })
    expect(reports[0]).toMatchObject({
      allDownAction: 'backup',
      failedOpen: false,
      answer: ['192.0.2.99', '2001:db8::99'],
    })
  })

  it('nodata answers NOERROR, no records, the SOA with the degraded TTL', () => {
    const { table } = build(allDown, { allDown: 'nodata' })
    for (const type of [RRType.A, RRType.AAAA, RRType.SRV]) {
      const { packet } = ask(table, 'app.nines.test', type)
      expect(packet.header).toMatchObject({ rcode: Rcode.NOERROR, aa: 1, ancount: 0, nscount: 1 })
      expect(packet.authorities[0]?.ttl).toBe(5)
    }
  })

  it('servfail answers SERVFAIL, authoritatively', () => {
    const { table, names: reports } = build(allDown, { allDown: 'servfail' })
    for (const type of [RRType.A, RRType.AAAA, RRType.SRV]) {
      expect(ask(table, 'app.nines.test', type).packet.header).toMatchObject({
        rcode: Rcode.SERVFAIL,
        aa: 1,
        ancount: 0,
      })
    }
    expect(reports[0]).toMatchObject({ allDownAction: 'servfail', answer: [] })
  })

  it('other names are not affected', () => {
    const { table } = build(allDown, { allDown: 'servfail' })
    expect(ask(table, 'failover.nines.test').packet.header.rcode).toBe(Rcode.NOERROR)
  })
})

describe('priority failover', () => {
  it('fails over at once, holds the failback, and tells when to rebuild', () => {
    const t0 = 1_000_000
    const down = build({ p1: 'down', p2: 'down' }, { now: t0 })
    expect(addresses(ask(down.table, 'failover.nines.test').packet)).toEqual(['192.0.2.9'])
    const srv = ask(down.table, 'failover.nines.test', RRType.SRV).packet.answers
    expect(srv.map((r) => [r.target, r.priority])).toEqual([['standby.example.org', 1]])
    expect(down.names[1]).toMatchObject({ activePriority: 1, state: 'degraded' })
    expect(down.nextChangeAt).toBeUndefined()
    const state = down.priority.get('failover.nines.test')
    expect(state).toMatchObject({ active: 1 })

    // The primaries come back: traffic stays on the standby for holdMs.
    const back = build({}, { now: t0 + 1000, priority: down.priority })
    expect(addresses(ask(back.table, 'failover.nines.test').packet)).toEqual(['192.0.2.9'])
    expect(back.nextChangeAt).toBe(t0 + 1000 + 30_000)

    const held = build({}, { now: back.nextChangeAt!, priority: back.priority })
    expect(
      ask(held.table, 'failover.nines.test')
        .packet.answers.map((r) => r.address)
        .sort(),
    ).toEqual(['192.0.2.1', '192.0.2.2'])
    expect(held.priority.get('failover.nines.test')).toMatchObject({ active: 0 })
    expect(held.nextChangeAt).toBeUndefined()
  })

  it('starts from a stored state for names it knows', () => {
    const stored: PriorityState = { active: 1, since: 0, upSince: { 0: 999_000, 1: 0 } }
    const { table, nextChangeAt } = build({}, { priority: new Map([['failover.nines.test', stored]]) })
    expect(addresses(ask(table, 'failover.nines.test').packet)).toEqual(['192.0.2.9'])
    expect(nextChangeAt).toBe(999_000 + 30_000)
  })
})

describe('locality', () => {
  const { table, names: reports } = build()

  it.each([
    ['10.1.2.0/24', ['127.0.0.11'], 16],
    ['10.2.9.0/24', ['127.0.0.12'], 16],
    // 10.0.0.0/8 has more specific entries of other localities inside: claim only the client prefix.
    ['10.9.0.0/24', ['127.0.0.13'], 24],
    ['10.1.0.0/12', ['127.0.0.13'], 12],
  ])('ECS %s answers %j with scope %i', (ecs, expected, scope) => {
    for (let i = 0; i < 3; i++) {
      const result = ask(table, 'app.nines.test', RRType.A, { ecs })
      expect(addresses(result.packet)).toEqual(expected)
      expect(result.scope).toBe(scope)
    }
  })

  it('IPv6 ECS: the matched /48 is the scope, capped at the source prefix', () => {
    const wide = ask(table, 'app.nines.test', RRType.AAAA, { ecs: '2001:db8:1:2::/64' })
    expect(addresses(wide.packet)).toEqual(['2001:db8::a'])
    expect(wide.scope).toBe(48)
    // (dns2 3.1.1 misreads an IPv6 ECS with an odd number of address bytes, so /56 is not used here.)
    const v4 = ask(table, 'app.nines.test', RRType.A, { ecs: '2001:db8:1::/64' })
    expect(addresses(v4.packet)).toEqual(['127.0.0.11'])
    expect(v4.scope).toBe(48)
  })

  it('an unmapped ECS client gets the answer for everyone, scoped to its source prefix', () => {
    const { packet, scope } = ask(table, 'app.nines.test', RRType.A, { ecs: '192.0.2.0/24' })
    expect(sorted(packet)).toEqual(['127.0.0.11', '127.0.0.12', '127.0.0.13'])
    expect(scope).toBe(24)
    expect(ask(table, 'app.nines.test', RRType.A, { ecs: '0.0.0.0/0' }).scope).toBe(0)
  })

  it('without ECS, the source address picks the locality', () => {
    expect(addresses(ask(table, 'app.nines.test', RRType.A, { from: '10.2.0.7' }).packet)).toEqual([
      '127.0.0.12',
    ])
    expect(addresses(ask(table, 'app.nines.test', RRType.A, { from: '::ffff:10.1.0.7' }).packet)).toEqual([
      '127.0.0.11',
    ])
    expect(ask(table, 'app.nines.test', RRType.A, { from: '10.2.0.7' }).scope).toBeUndefined()
  })

  it('a name whose answer does not depend on the locality scopes ECS to 0', () => {
    const result = ask(table, 'plain.nines.test', RRType.A, { ecs: '10.1.2.0/24' })
    expect(sorted(result.packet)).toEqual(['127.0.0.11', '127.0.0.12', '127.0.0.13'])
    expect(result.scope).toBe(0)
    expect(ask(table, 'failover.nines.test', RRType.A, { ecs: '10.1.2.0/24' }).scope).toBe(0)
  })

  it('SRV and a CNAME to the name follow the locality too', () => {
    const srv = ask(table, 'app.nines.test', RRType.SRV, { ecs: '10.2.0.0/16' })
    expect(srv.packet.answers.map((r) => r.target)).toEqual(['b.app.nines.test'])
    expect(srv.scope).toBe(16)
    const www = ask(table, 'www.nines.test', RRType.A, { ecs: '10.1.0.0/24' })
    expect(www.packet.answers.map((r) => r.domain ?? r.address)).toEqual(['app.nines.test', '127.0.0.11'])
    expect(www.scope).toBe(16)
  })

  it('locality mode first: the client zone leads every answer, then the others rotate behind it', () => {
    for (const [ecs, first] of [
      ['10.1.2.0/24', '127.0.0.11'],
      ['10.2.9.0/24', '127.0.0.12'],
    ] as const) {
      const seen = new Set<string>()
      for (let i = 0; i < 8; i++) {
        const { packet, scope } = ask(table, 'nearest.nines.test', RRType.A, { ecs })
        const [lead, ...rest] = addresses(packet)
        expect(lead).toBe(first)
        expect([...rest].sort()).toEqual(
          ['127.0.0.11', '127.0.0.12', '127.0.0.13'].filter((a) => a !== first),
        )
        expect(scope).toBe(16)
        seen.add(rest.join(' '))
      }
      expect(seen.size).toBe(2)
    }
    // The zone down: what is left, in rotation, no zone leading.
    const { table: spilled } = build({ a: 'down' })
    const leads = new Set(series(spilled, 'nearest.nines.test').map((p) => addresses(p)[0]))
    expect(leads).toEqual(new Set(['127.0.0.12', '127.0.0.13']))
  })

  it('spills over when the client zone is down; a zone with only the other family up spills for that family', () => {
    const { table: spilled } = build({ b: 'down' })
    expect(sorted(ask(spilled, 'app.nines.test', RRType.A, { ecs: '10.2.0.0/24' }).packet)).toEqual([
      '127.0.0.11',
      '127.0.0.13',
    ])
    const { table: v6only } = build({ a: 'down' })
    expect(sorted(ask(v6only, 'app.nines.test', RRType.A, { ecs: '10.1.0.0/24' }).packet)).toEqual([
      '127.0.0.12',
      '127.0.0.13',
    ])
    expect(addresses(ask(v6only, 'app.nines.test', RRType.AAAA, { ecs: '10.1.0.0/24' }).packet)).toEqual([
      '2001:db8::a',
    ])
  })

  it('mode first: the client zone leads every answer, the other up endpoints follow in turn', () => {
    const first = (health: Health = {}) => {
      const input = zones()
      const names = { first: { pool: 'app', policy: { locality: { mode: 'first' } } } } as const
      return build(health, {
        zones: dnsZonesSchema.parse({ 'nines.test': { ...input['nines.test'], names } }),
      })
    }
    const { table } = first()
    const leads = new Set<string>()
    for (let i = 0; i < 6; i++) {
      const answer = addresses(ask(table, 'first.nines.test', RRType.A, { from: '10.2.0.7' }).packet)
      expect(answer[0]).toBe('127.0.0.12')
      expect(answer.slice(1).sort()).toEqual(['127.0.0.11', '127.0.0.13'])
      leads.add(answer[1]!)
    }
    expect([...leads].sort()).toEqual(['127.0.0.11', '127.0.0.13'])
    // The zone down: the others alone, still rotated.
    const { table: down } = first({ b: 'down' })
    expect(sorted(ask(down, 'first.nines.test', RRType.A, { from: '10.2.0.7' }).packet)).toEqual([
      '127.0.0.11',
      '127.0.0.13',
    ])
  })

  it('describes a client, and reports the answer of each locality', () => {
    expect(table.describe('app.nines.test', RRType.A, { ecs: '10.1.2.0/24' })).toMatchObject({
      localityDependent: true,
      locality: { region: 'local', zone: 'z1' },
      ecsScope: 16,
    })
    expect(reports[0]?.localities).toEqual([
      // z2 and z3 have no IPv6 endpoint: their AAAA spills over to the answer for everyone.
      { locality: 'local/z3', answer: ['127.0.0.13', '2001:db8::a'], tier: 'zone', reason: 'zone z3' },
      { locality: 'local/z1', answer: ['127.0.0.11', '2001:db8::a'], tier: 'zone', reason: 'zone z1' },
      { locality: 'local/z2', answer: ['127.0.0.12', '2001:db8::a'], tier: 'zone', reason: 'zone z2' },
    ])
    const spilled = build({ b: 'down' }).names[0]?.localities.find((l) => l.locality === 'local/z2')
    expect(spilled).toMatchObject({ tier: 'region', reason: 'zone z2 0/1 up, region local' })
  })
})
