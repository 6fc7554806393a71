import { isNinesError, seededRng, type EffectiveState } from '@nines/core'
import { poolSchema } from '@nines/health'
import { describe, expect, it } from 'vitest'
import { buildAnswers } from '../answers/build.js'
import type { BuildInput, BuiltAnswers, EndpointHealthView } from '../answers/types.js'
import type { AllDownAction } from '../policy/schema.js'
import { RRType, encodeQuery, isQueryProblem, parseQuery } from '@nines/wire'
import { dnsZonesSchema } from '../zone/schema.js'
import { decodeAnswer } from './decode.js'
import { explain, type Explanation } from './explain.js'

const check = { kind: 'tcp', intervalMs: 1000, timeoutMs: 500, rise: 2, fall: 3 } as const
const pools = {
  app: poolSchema.parse({
    check,
    endpoints: [
      { name: 'a', address: '127.0.0.11', port: 8080, labels: { region: 'local', zone: 'z1' } },
      { name: 'b', address: '127.0.0.12', port: 8080, labels: { region: 'local', zone: 'z2' } },
      { name: 'c', address: '127.0.0.13', port: 8080, labels: { region: 'local', zone: 'z3' } },
    ],
  }),
  failover: poolSchema.parse({
    check,
    endpoints: [
      { name: 'p1', address: '192.0.2.1', port: 443 },
      { name: 's1', address: '192.0.2.9', port: 443, priority: 1 },
    ],
  }),
}

const zones = (allDown: AllDownAction) =>
  dnsZonesSchema.parse({
    'nines.test': {
      soa: { minimumSec: 60 },
      ns: [{ name: 'ns1.nines.test', addresses: ['127.0.0.1'] }],
      records: [
        { name: 'www', type: 'CNAME', data: 'app.nines.test' },
        { name: 'mail', type: 'A', ttlSec: 120, data: '192.0.2.25' },
        { name: 'sub', type: 'NS', data: 'ns1.sub.nines.test' },
        { name: 'ns1.sub', type: 'A', data: '192.0.2.53' },
        { name: '*.apps', type: 'A', data: '192.0.2.90' },
        { name: 'loop1', type: 'CNAME', data: 'loop2.nines.test' },
        { name: 'loop2', type: 'CNAME', data: 'loop1.nines.test' },
        { name: 'out', type: 'CNAME', data: 'www.example.org' },
        { name: 'dangling', type: 'CNAME', data: 'nowhere.nines.test' },
      ],
      names: {
        app: { pool: 'app', policy: { allDown } },
        failover: { pool: 'failover', policy: { priority: { holdMs: 30_000 } }, srv: { enabled: false } },
      },
    },
  })

const NOW = 1_000_000

function build(
  health: Record<string, EffectiveState | EndpointHealthView> = {},
  options: Partial<BuildInput> & { allDown?: AllDownAction } = {},
): BuiltAnswers {
  const { allDown = 'fail-open', ...rest } = options
  return buildAnswers({
    zones: zones(allDown),
    pools,
    localities: [
      { cidr: '10.0.0.0/8', region: 'local', zone: 'z3' },
      { cidr: '10.1.0.0/16', region: 'local', zone: 'z1' },
      { cidr: '10.2.0.0/16', region: 'local', zone: 'z2' },
    ],
    health: (_pool, id) => {
      const h = health[id] ?? 'up'
      return typeof h === 'string' ? { effective: h } : h
    },
    priority: new Map(),
    serial: 1,
    rng: seededRng(3),
    now: NOW,
    ...rest,
  })
}

const detail = (e: Explanation, step: string) =>
  e.steps
    .filter((s) => s.step === step)
    .map((s) => s.detail)
    .join(' | ')
const data = (e: Explanation) => e.answers.map((r) => r.data).sort()

describe('explain: what a client gets and why', () => {
  it.each<{
    name: string
    built?: () => BuiltAnswers
    question: { name: string; type?: string; client?: string }
    expected?: Partial<Explanation>
    data?: string[]
    steps: Record<string, string>
  }>([
    {
      name: 'a dynamic name, all up, no client',
      question: { name: 'APP.nines.test.' },
      expected: { question: { name: 'app.nines.test', type: 'A' }, zone: 'nines.test', rcode: 'NOERROR' },
      data: ['127.0.0.11', '127.0.0.12', '127.0.0.13'],
      steps: {
        zone: 'DNS zone nines.test',
        name: 'app.nines.test exists',
        policy: 'app.nines.test: pool app, policy all; endpoints 3 up, 0 down, 0 drained; state healthy',
        priority: 'priority 0: 3/3 up',
        locality: 'no client given: the answer for clients without a locality',
        ttl: 'app.nines.test A: 30 s (policy.ttl.normalSec: healthy)',
        answer: 'NOERROR, 3 records; 3 variants served in turn',
      },
    },
    {
      name: 'a client address in a zone of its own',
      question: { name: 'app.nines.test', client: '10.1.2.3' },
      expected: { client: { address: '10.1.2.3', ecs: false, locality: 'local/z1' } },
      data: ['127.0.0.11'],
      steps: { locality: 'client 10.1.2.3 is in local/z1: zone z1' },
    },
    {
      name: 'an ECS subnet whose zone is down spills over to the region',
      built: () => build({ b: 'down' }),
      question: { name: 'app.nines.test', client: '10.2.0.0/24' },
      expected: { client: { address: '10.2.0.0/24', ecs: true, locality: 'local/z2' }, ecsScope: 16 },
      data: ['127.0.0.11', '127.0.0.13'],
      steps: {
        locality: 'client 10.2.0.0/24 (ECS) is in local/z2: zone z2 0/1 up, region local',
        ttl: 'app.nines.test A: 5 s (policy.ttl.degradedSec: degraded)',
      },
    },
    {
      name: 'an unmapped client',
      question: { name: 'app.nines.test', client: '2001:db8::1' },
      expected: { client: { address: '2001:db8::1', ecs: false } },
      data: ['127.0.0.11', '127.0.0.12', '127.0.0.13'],
      steps: { locality: 'client 2001:db8::1 maps to no locality: the answer for every client' },
    },
    {
      name: 'a drain shortens the TTL and says so',
      built: () => build({ c: 'drain' }),
      question: { name: 'app.nines.test' },
      expected: { dynamic: { name: 'app.nines.test', pool: 'app', state: 'healthy', ttlRule: 'draining' } },
      data: ['127.0.0.11', '127.0.0.12'],
      steps: {
        drain: 'draining 1',
        ttl: 'app.nines.test A: 5 s (policy.ttl.degradedSec: an endpoint is drained)',
      },
    },
    {
      name: 'an endpoint back up 10 s ago',
      built: () => build({ a: { effective: 'up', recoveredAt: NOW - 10_000 } }),
      question: { name: 'app.nines.test' },
      expected: { dynamic: { name: 'app.nines.test', pool: 'app', state: 'healthy', ttlRule: 'recovering' } },
      steps: {
        recovering: 'recovering 1 until 1970-01-01T00:17:00.000Z',
        ttl: 'app.nines.test A: 5 s (policy.ttl.degradedSec: an endpoint came back within policy.ttl.recoveringSec)',
      },
    },
    {
      name: 'panic answers every endpoint, wherever the client is',
      built: () => build({ a: 'down', b: 'down' }),
      question: { name: 'app.nines.test', client: '10.2.0.1' },
      data: ['127.0.0.11', '127.0.0.12', '127.0.0.13'],
      steps: {
        panic: 'below panic threshold 50% | panic: answering all 3',
        locality: 'client 10.2.0.1 is in local/z2; the answer does not depend on it',
        ttl: 'app.nines.test A: 5 s (policy.ttl.degradedSec: panic)',
      },
    },
    {
      name: 'a CNAME into a dynamic name',
      question: { name: 'www.nines.test', client: '10.1.0.1' },
      expected: { dynamic: { name: 'app.nines.test', pool: 'app', state: 'healthy', ttlRule: 'normal' } },
      data: ['127.0.0.11', 'app.nines.test'],
      steps: {
        cname: 'www.nines.test is an alias (CNAME) of app.nines.test',
        locality: 'client 10.1.0.1 is in local/z1: zone z1',
      },
    },
    {
      name: 'all down with servfail, through the CNAME the SERVFAIL does not show',
      built: () => build({ a: 'down', b: 'down', c: 'down' }, { allDown: 'servfail' }),
      question: { name: 'www.nines.test' },
      expected: { rcode: 'SERVFAIL', answers: [] },
      steps: {
        cname: 'www.nines.test is an alias (CNAME) of app.nines.test',
        'all-down': 'all down: 0/3 up | servfail',
        ttl: 'SERVFAIL carries no TTL',
      },
    },
    {
      name: 'all down, fail-open',
      built: () => build({ a: 'down', b: 'down', c: 'unknown' }),
      question: { name: 'app.nines.test' },
      data: ['127.0.0.11', '127.0.0.12', '127.0.0.13'],
      steps: {
        policy: 'app.nines.test: pool app, policy all; endpoints 0 up, 3 down, 0 drained; state all-down',
        'all-down': 'all down: 0/3 up | fail-open: answering all 3',
        ttl: 'app.nines.test A: 5 s (policy.ttl.degradedSec: all down)',
      },
    },
    {
      name: 'failover to the standby',
      built: () => build({ p1: 'down' }),
      question: { name: 'failover.nines.test' },
      data: ['192.0.2.9'],
      steps: { priority: 'priority 1: 1/1 up | failed over from priority 0' },
    },
    {
      name: 'a held failback',
      built: () => {
        const down = build({ p1: 'down' }, { now: NOW - 10_000 })
        return build({}, { priority: down.priority })
      },
      question: { name: 'failover.nines.test' },
      data: ['192.0.2.9'],
      steps: {
        priority:
          'priority 1: 1/1 up | failed over from priority 0 | failback to priority 0 held until 1970-01-01T00:17:10.000Z',
      },
    },
    {
      name: 'a family without endpoints: NODATA with the DNS zone negative TTL',
      question: { name: 'failover.nines.test', type: 'aaaa' },
      expected: { rcode: 'NOERROR', answers: [] },
      steps: {
        name: 'failover.nines.test exists without AAAA records: NODATA',
        ttl: "negative: the SOA's min(minimumSec, ttlSec) (RFC 2308), the name having no AAAA endpoint: 60 s",
      },
    },
    {
      name: 'all down with nodata: the negative TTL capped at the name TTL',
      built: () => build({ a: 'down', b: 'down', c: 'down' }, { allDown: 'nodata' }),
      question: { name: 'app.nines.test' },
      expected: { rcode: 'NOERROR', answers: [] },
      steps: {
        ttl: "negative: the SOA's min(minimumSec, ttlSec) capped at the name's 5 s (policy.ttl.degradedSec: all down): 5 s",
      },
    },
    {
      name: 'SRV, its targets and their addresses',
      question: { name: 'app.nines.test', type: 'SRV', client: '10.2.0.9' },
      data: ['0 1 8080 b.app.nines.test'],
      expected: { additional: [{ name: 'b.app.nines.test', type: 'A', ttl: 30, data: '127.0.0.12' }] },
      steps: {},
    },
    {
      name: 'a static record',
      question: { name: 'mail.nines.test' },
      data: ['192.0.2.25'],
      steps: {
        name: 'mail.nines.test exists',
        ttl: 'mail.nines.test A: 120 s (fixed, whatever the health: no dynamic name chose it)',
      },
    },
    {
      name: 'a name that does not exist',
      question: { name: 'nope.nines.test' },
      expected: { rcode: 'NXDOMAIN', aa: true },
      steps: {
        name: 'nope.nines.test does not exist (closest encloser nines.test, no wildcard): NXDOMAIN',
        ttl: "negative: the SOA's min(minimumSec, ttlSec) (RFC 2308): 60 s",
      },
    },
    {
      name: 'a wildcard',
      question: { name: 'x.apps.nines.test' },
      expected: { answers: [{ name: 'x.apps.nines.test', type: 'A', ttl: 3600, data: '192.0.2.90' }] },
      steps: { wildcard: 'x.apps.nines.test does not exist: synthesized from *.apps.nines.test (RFC 4592)' },
    },
    {
      name: 'below a delegation',
      question: { name: 'host.sub.nines.test' },
      expected: {
        aa: false,
        authority: [{ name: 'sub.nines.test', type: 'NS', ttl: 3600, data: 'ns1.sub.nines.test' }],
        additional: [{ name: 'ns1.sub.nines.test', type: 'A', ttl: 3600, data: '192.0.2.53' }],
      },
      steps: { delegation: 'below the delegation sub.nines.test: referral to ns1.sub.nines.test' },
    },
    {
      name: 'outside every served DNS zone',
      question: { name: 'example.org' },
      expected: { rcode: 'REFUSED', aa: false },
      steps: { zone: 'example.org is in no served DNS zone: REFUSED (authoritative only, never a resolver)' },
    },
    {
      name: 'a CNAME loop',
      question: { name: 'loop1.nines.test' },
      data: ['loop1.nines.test', 'loop2.nines.test'],
      steps: {
        cname:
          'loop1.nines.test is an alias (CNAME) of loop2.nines.test | loop2.nines.test is an alias of loop1.nines.test, which closes a loop: the chain is cut',
      },
    },
    {
      name: 'a CNAME out of the served zones, and one to nowhere',
      question: { name: 'out.nines.test' },
      data: ['www.example.org'],
      steps: {
        cname:
          'out.nines.test is an alias (CNAME) of www.example.org | www.example.org is outside the served DNS zones: the resolver follows it',
      },
    },
    {
      name: 'a CNAME to a missing name',
      question: { name: 'dangling.nines.test' },
      expected: { rcode: 'NXDOMAIN' },
      steps: {
        cname:
          'dangling.nines.test is an alias (CNAME) of nowhere.nines.test | nowhere.nines.test does not exist: NXDOMAIN (RFC 6604)',
      },
    },
  ])('$name', ({ built, question, expected, data: records, steps }) => {
    const explanation = explain((built ?? build)(), question)
    expect(explanation).toMatchObject(expected ?? {})
    if (records !== undefined) expect(data(explanation)).toEqual(records)
    for (const [step, text] of Object.entries(steps)) expect(detail(explanation, step)).toBe(text)
    expect(JSON.parse(JSON.stringify(explanation))).toEqual(explanation)
  })

  it('shows the bytes the server sends first, and advances no rotation', () => {
    for (const [name, type, client] of [
      ['app.nines.test', RRType.A, '10.2.0.1'],
      ['www.nines.test', RRType.A, '192.0.2.1'],
      ['app.nines.test', RRType.SRV, '10.0.0.1'],
      ['x.apps.nines.test', RRType.A, '10.0.0.1'],
    ] as const) {
      const { table, names } = build()
      const first = explain({ table, names }, { name, type: type === RRType.A ? 'A' : 'SRV', client })
      expect(explain({ table, names }, { name, type: type === RRType.A ? 'A' : 'SRV', client })).toEqual(
        first,
      )
      const msg = encodeQuery({ name, type })
      const query = parseQuery(msg)
      if (isQueryProblem(query)) throw new Error(query.detail)
      const served = decodeAnswer(name, type, table.resolve(query, { address: client, family: 4 }))
      expect(served.answers).toEqual(first.answers)
      expect(served.additional).toEqual(first.additional)
    }
  })

  it.each([
    [{ name: 'app.nines.test', type: 'XYZ' }, 'type: unknown record type "XYZ"'],
    [{ name: 'app..nines.test' }, 'name "app..nines.test": empty label'],
    [{ name: '' }, 'name: expected a domain name'],
    [{ name: 'app.nines.test', client: 'nope' }, 'client: expected an IP address'],
    [{ name: 'app.nines.test', client: '10.0.0.0/33' }, 'client: expected an IP address'],
    [{ name: 'app.nines.test', client: '10.0.0.0/x' }, 'client: expected an IP address'],
    [{ name: 'app.nines.test', client: '2001:db8::/129' }, 'client: expected an IP address'],
  ])('rejects %j: %s', (question, message) => {
    const attempt = () => explain(build(), question)
    expect(attempt).toThrow(message)
    try {
      attempt()
    } catch (error) {
      expect(isNinesError(error) && error.code).toBe('NINES_ERR_INVALID_ARGUMENT')
    }
  })

  it('accepts TYPEnnn and any case', () => {
    expect(explain(build(), { name: 'mail.nines.test', type: 'TYPE1' }).answers).toHaveLength(1)
    expect(explain(build(), { name: 'mail.nines.test', type: 'txt' }).question.type).toBe('TXT')
  })
})
