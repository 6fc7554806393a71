import { isNinesError, seededRng, type EffectiveState } from '@nines/core'
import { poolSchema, type PoolConfig } from '@nines/health'
import { Packet } from 'dns2'
import { describe, expect, it } from 'vitest'
import {
  RRClass,
  RRType,
  Rcode,
  encodeQuery,
  isQueryProblem,
  parseQuery,
  writeResponse,
  slowParse,
} from '@nines/wire'
import { dnsZonesSchema, type DnsZonesInput } from '../zone/schema.js'
import { buildAnswers } from './build.js'
import type { AnswerTable } from './table.js'
import type { BuildInput } from './types.js'

const SERIAL = 1_700_000_000

/** examples/local.yaml's DNS zone, with more static data around it. */
const zonesInput: DnsZonesInput = {
  'nines.test': {
    soa: { rname: 'hostmaster.nines.test', minimumSec: 60 },
    ns: [
      { name: 'ns1.nines.test', addresses: ['127.0.0.1'] },
      { name: 'ns2.nines.test', addresses: ['127.0.0.2', '::2'] },
    ],
    records: [
      { name: 'www', type: 'CNAME', data: 'app.nines.test' },
      { name: '@', type: 'TXT', data: 'nines local stack' },
      { name: '@', type: 'MX', data: { preference: 10, exchange: 'mail.nines.test' } },
      { name: '@', type: 'CAA', data: { tag: 'issue', value: 'letsencrypt.org' } },
      { name: 'mail', type: 'A', data: '192.0.2.25' },
      { name: 'mail', type: 'AAAA', data: '2001:db8::25' },
      { name: 'mail', type: 'A', ttlSec: 120, data: '192.0.2.26' },
      { name: 'a.example', type: 'A', data: '192.0.2.7' },
      { name: 'long', type: 'TXT', data: ['one', 'x'.repeat(300)] },
      {
        name: '_sip._tcp',
        type: 'SRV',
        data: { priority: 1, weight: 5, port: 5060, target: 'mail.nines.test' },
      },
      { name: 'ptr', type: 'PTR', data: 'host.example.org' },
      { name: 'delegated', type: 'NS', data: 'ns.elsewhere.example' },
      { name: 'sub', type: 'NS', data: 'ns1.sub.nines.test' },
      { name: 'sub', type: 'NS', data: 'ns.elsewhere.example' },
      { name: 'ns1.sub', type: 'A', data: '192.0.2.53' },
      { name: 'ns1.sub', type: 'AAAA', data: '2001:db8::53' },
      { name: '*.apps', type: 'A', data: '192.0.2.90' },
      { name: '*.apps', type: 'TXT', data: 'wild' },
      { name: 'real.apps', type: 'A', data: '192.0.2.91' },
      { name: '*.cn', type: 'CNAME', data: 'mail.nines.test' },
      { name: 'to-wild', type: 'CNAME', data: 'x.apps.nines.test' },
      { name: '*.sub', type: 'A', data: '192.0.2.99' },
      { name: 'alias', type: 'CNAME', data: 'www.nines.test' },
      { name: 'to-mail', type: 'CNAME', data: 'mail.nines.test.' },
      { name: 'loop1', type: 'CNAME', data: 'loop2.nines.test' },
      { name: 'loop2', type: 'CNAME', data: 'loop1.nines.test' },
      { name: 'dangling', type: 'CNAME', data: 'nowhere.nines.test' },
      { name: 'out.nines.test.', type: 'CNAME', data: 'www.example.org' },
      { name: 'into-sub', type: 'CNAME', data: 'host.sub.nines.test' },
      { name: 'to-glue', type: 'CNAME', data: 'ns1.sub.nines.test' },
      { name: 'to-cut', type: 'CNAME', data: 'sub.nines.test' },
      { name: 'via', type: 'CNAME', data: 'into-sub.nines.test' },
    ],
    names: {
      app: {
        pool: 'app',
        policy: { kind: 'all', ttl: { normalSec: 30, degradedSec: 5 }, allDown: 'fail-open' },
      },
    },
  },
  'eu.nines.test': {
    soa: { serial: 42, minimumSec: 900, ttlSec: 300 },
    ns: [{ name: 'ns1.nines.test' }],
    records: [{ name: 'www', type: 'A', data: '192.0.2.80' }],
  },
}

const pools: Record<string, PoolConfig> = {
  app: poolSchema.parse({
    check: { kind: 'http', path: '/health', intervalMs: 1000, timeoutMs: 500, rise: 2, fall: 3 },
    endpoints: [
      { name: 'a', address: '127.0.0.11', port: 8080, labels: { region: 'local', zone: 'z1' } },
      { name: 'b', address: '127.0.0.12', port: 8080, labels: { region: 'local', zone: 'z2' } },
      { name: 'c', address: '127.0.0.13', port: 8080, labels: { region: 'local', zone: 'z3' } },
    ],
  }),
}

function build(down: readonly string[] = [], overrides: Partial<BuildInput> = {}): AnswerTable {
  return buildAnswers({
    zones: dnsZonesSchema.parse(zonesInput),
    pools,
    localities: [],
    health: (_pool, id) => ({
      effective: (down.includes(id) ? 'down' : 'up') as EffectiveState,
      recovering: false,
    }),
    priority: new Map(),
    serial: SERIAL,
    rng: seededRng(1),
    now: 1_000_000,
    ...overrides,
  }).table
}

const table = build()

function ask(name: string, type: number = RRType.A, options: { qclass?: number; at?: AnswerTable } = {}) {
  const msg = encodeQuery({ id: 7, name, type, qclass: options.qclass })
  const query = slowParse(msg)
  if (isQueryProblem(query)) throw new Error(`${query.problem}: ${query.detail}`)
  const answer = (options.at ?? table).resolve(query, { address: '192.0.2.1', family: 4 })
  const packet = Packet.parse(writeResponse(query, msg, answer, { maxUdpPayload: 4096, transport: 'tcp' }))
  expect(packet.errors).toEqual([])
  return { answer, packet }
}

const data = (records: Packet['answers']) =>
  records.map((r) => r.address ?? r.domain ?? r.ns ?? r.target ?? r.exchange ?? r.data)

describe('static data at the apex', () => {
  it('SOA: serial from the builder unless configured, mname the first NS, TTL ttlSec', () => {
    const { packet } = ask('nines.test', RRType.SOA)
    expect(packet.header).toMatchObject({ aa: 1, rcode: Rcode.NOERROR, ancount: 1 })
    expect(packet.answers[0]).toMatchObject({
      type: RRType.SOA,
      ttl: 3600,
      primary: 'ns1.nines.test',
      admin: 'hostmaster.nines.test',
      serial: SERIAL,
      refresh: 3600,
      retry: 600,
      expiration: 604_800,
      minimum: 60,
    })
    const eu = ask('eu.nines.test', RRType.SOA).packet.answers[0]
    expect(eu).toMatchObject({ serial: 42, ttl: 300, admin: 'hostmaster.eu.nines.test' })
    expect(
      ask('nines.test', RRType.SOA, { at: build([], { serial: SERIAL + 5 }) }).packet.answers[0],
    ).toMatchObject({
      serial: SERIAL + 5,
    })
  })

  it('NS answers carry the in-zone glue, A and AAAA, in the additional section', () => {
    const { packet } = ask('nines.test', RRType.NS)
    expect(data(packet.answers)).toEqual(['ns1.nines.test', 'ns2.nines.test'])
    expect(packet.answers.every((r) => r.ttl === 3600)).toBe(true)
    expect(packet.additionals.map((r) => [r.name, r.type, r.address])).toEqual([
      ['ns1.nines.test', RRType.A, '127.0.0.1'],
      ['ns2.nines.test', RRType.A, '127.0.0.2'],
      ['ns2.nines.test', RRType.AAAA, '::2'],
    ])
    expect(data(ask('ns2.nines.test', RRType.AAAA).packet.answers)).toEqual(['::2'])
  })

  it('MX, TXT and CAA at the apex; MX with its exchange addresses as additional data', () => {
    const mx = ask('nines.test', RRType.MX).packet
    expect(mx.answers[0]).toMatchObject({ priority: 10, exchange: 'mail.nines.test' })
    expect(data(mx.additionals)).toEqual(['192.0.2.25', '192.0.2.26', '2001:db8::25'])
    expect(data(ask('nines.test', RRType.TXT).packet.answers)).toEqual([['nines local stack']])
    expect(ask('nines.test', RRType.CAA).packet.answers[0]).toMatchObject({
      flags: 0,
      tag: 'issue',
      value: 'letsencrypt.org',
    })
  })
})

describe('static records', () => {
  it('an RRset takes the lowest TTL of its records (RFC 2181 §5.2)', () => {
    const { packet } = ask('mail.nines.test')
    expect(data(packet.answers)).toEqual(['192.0.2.25', '192.0.2.26'])
    expect(packet.answers.map((r) => r.ttl)).toEqual([120, 120])
  })

  it('TXT strings longer than 255 bytes are split into character-strings', () => {
    const [txt] = ask('long.nines.test', RRType.TXT).packet.answers
    expect(txt?.data).toEqual(['one', 'x'.repeat(255), 'x'.repeat(45)])
  })

  it.each([
    ['_sip._tcp.nines.test', RRType.SRV, { priority: 1, weight: 5, port: 5060, target: 'mail.nines.test' }],
    ['ptr.nines.test', RRType.PTR, { domain: 'host.example.org' }],
  ])('%s type %i', (name, type, expected) => {
    const { packet } = ask(name, type)
    expect(packet.header).toMatchObject({ aa: 1, rcode: Rcode.NOERROR })
    expect(packet.answers).toEqual([expect.objectContaining({ name, type, ...expected })])
  })

  it('static SRV targets in the DNS zone come with their addresses', () => {
    expect(data(ask('_sip._tcp.nines.test', RRType.SRV).packet.additionals)).toEqual([
      '192.0.2.25',
      '192.0.2.26',
      '2001:db8::25',
    ])
  })

  it('the synthesized SRV targets of a dynamic name answer with their endpoint address', () => {
    expect(data(ask('b.app.nines.test').packet.answers)).toEqual(['127.0.0.12'])
    expect(ask('b.app.nines.test', RRType.AAAA).packet.header).toMatchObject({
      rcode: Rcode.NOERROR,
      ancount: 0,
    })
  })
})

describe('CNAME', () => {
  it('is followed into a dynamic name: the chain, then the target answer, which follows health', () => {
    const { packet } = ask('www.nines.test')
    expect(packet.answers[0]).toMatchObject({
      name: 'www.nines.test',
      type: RRType.CNAME,
      domain: 'app.nines.test',
    })
    expect(new Set(data(packet.answers.slice(1)))).toEqual(
      new Set(['127.0.0.11', '127.0.0.12', '127.0.0.13']),
    )
    expect(packet.answers.slice(1).every((r) => r.name === 'app.nines.test' && r.ttl === 30)).toBe(true)

    const degraded = build(['b'])
    for (let i = 0; i < 4; i++) {
      const answers = ask('www.nines.test', RRType.A, { at: degraded }).packet.answers
      expect(data(answers)).not.toContain('127.0.0.12')
      expect(answers.slice(1).map((r) => r.ttl)).toEqual([5, 5])
    }
  })

  it('a chain of CNAMEs is followed to the end, SRV included with its additional data', () => {
    const { packet } = ask('alias.nines.test', RRType.SRV)
    expect(packet.answers.slice(0, 2).map((r) => [r.name, r.domain])).toEqual([
      ['alias.nines.test', 'www.nines.test'],
      ['www.nines.test', 'app.nines.test'],
    ])
    expect(
      packet.answers
        .slice(2)
        .map((r) => r.target)
        .sort(),
    ).toEqual(['a.app.nines.test', 'b.app.nines.test', 'c.app.nines.test'])
    expect(packet.additionals).toHaveLength(3)
  })

  it('to a static name, and NODATA with the chain and the SOA for a type the target lacks', () => {
    expect(data(ask('to-mail.nines.test', RRType.AAAA).packet.answers)).toEqual([
      'mail.nines.test',
      '2001:db8::25',
    ])
    const { packet } = ask('to-mail.nines.test', RRType.TXT)
    expect(packet.header).toMatchObject({ rcode: Rcode.NOERROR, ancount: 1, nscount: 1 })
    expect(packet.authorities[0]).toMatchObject({ type: RRType.SOA, ttl: 60 })
  })

  it('a CNAME query gets the CNAME alone, never followed', () => {
    expect(data(ask('alias.nines.test', RRType.CNAME).packet.answers)).toEqual(['www.nines.test'])
  })

  it('ending at a missing in-zone name is NXDOMAIN with the chain (RFC 6604)', () => {
    const { packet } = ask('dangling.nines.test')
    expect(packet.header).toMatchObject({ rcode: Rcode.NXDOMAIN, aa: 1, ancount: 1, nscount: 1 })
  })

  it('a loop is cut, and an out-of-zone target ends the chain', () => {
    const loop = ask('loop1.nines.test').packet
    expect(loop.header.rcode).toBe(Rcode.NOERROR)
    expect(data(loop.answers)).toEqual(['loop2.nines.test', 'loop1.nines.test'])
    const out = ask('out.nines.test').packet
    expect(out.header).toMatchObject({ rcode: Rcode.NOERROR, ancount: 1, nscount: 0 })
    expect(data(out.answers)).toEqual(['www.example.org'])
  })
})

describe('negative answers (RFC 2308)', () => {
  it('NXDOMAIN: the SOA in authority with TTL min(minimumSec, ttlSec)', () => {
    const { answer, packet } = ask('nope.nines.test')
    expect(answer.body.bodyOffset).toBeNull()
    expect(packet.header).toMatchObject({ rcode: Rcode.NXDOMAIN, aa: 1, ancount: 0, nscount: 1 })
    expect(packet.authorities[0]).toMatchObject({
      name: 'nines.test',
      type: RRType.SOA,
      ttl: 60,
      minimum: 60,
    })
    // eu.nines.test: minimumSec 900 but ttlSec 300, and it is the innermost DNS zone for its names.
    expect(ask('nope.eu.nines.test').packet.authorities[0]).toMatchObject({ name: 'eu.nines.test', ttl: 300 })
  })

  it('NODATA: an existing name without the type', () => {
    const { packet } = ask('mail.nines.test', RRType.TXT)
    expect(packet.header).toMatchObject({ rcode: Rcode.NOERROR, aa: 1, ancount: 0, nscount: 1 })
    expect(packet.authorities[0]).toMatchObject({ type: RRType.SOA, ttl: 60 })
  })

  it('an empty non-terminal exists: NODATA, while a name below a leaf is NXDOMAIN', () => {
    expect(ask('example.nines.test').packet.header).toMatchObject({
      rcode: Rcode.NOERROR,
      ancount: 0,
      nscount: 1,
    })
    expect(ask('_tcp.nines.test', RRType.SRV).packet.header.rcode).toBe(Rcode.NOERROR)
    expect(ask('x.a.example.nines.test').packet.header.rcode).toBe(Rcode.NXDOMAIN)
  })
})

describe('outside the served DNS zones', () => {
  it.each([['example.org'], ['test'], ['.'], ['nines.test.example']])('%s is REFUSED without AA', (name) => {
    const { packet } = ask(name)
    expect(packet.header).toMatchObject({ rcode: Rcode.REFUSED, aa: 0, ancount: 0, nscount: 0 })
  })

  it('a class other than IN, and a zone transfer, are REFUSED', () => {
    expect(ask('nines.test', RRType.SOA, { qclass: RRClass.CH }).packet.header.rcode).toBe(Rcode.REFUSED)
    expect(ask('nines.test', RRType.AXFR).packet.header.rcode).toBe(Rcode.REFUSED)
  })
})

describe('ANY (RFC 8482): one RRset', () => {
  it.each([
    ['nines.test', RRType.SOA],
    ['mail.nines.test', RRType.A],
    ['app.nines.test', RRType.A],
    ['www.nines.test', RRType.CNAME],
    ['long.nines.test', RRType.TXT],
  ])('%s answers type %i only', (name, type) => {
    const { packet } = ask(name, RRType.ANY)
    expect(packet.answers.length).toBeGreaterThan(0)
    expect(packet.answers.every((r) => r.type === type && r.name === name)).toBe(true)
  })

  it('an empty non-terminal has nothing: NODATA', () => {
    expect(ask('example.nines.test', RRType.ANY).packet.header).toMatchObject({
      rcode: 0,
      ancount: 0,
      nscount: 1,
    })
  })
})

describe('names are case-insensitive', () => {
  it('finds the name in any case and echoes the question case in the answer owner', () => {
    const { packet } = ask('MaIl.NiNeS.tEsT')
    expect(packet.questions[0]?.name).toBe('MaIl.NiNeS.tEsT')
    expect(packet.answers.map((r) => r.name)).toEqual(['MaIl.NiNeS.tEsT', 'MaIl.NiNeS.tEsT'])
    expect(ask('NOPE.Nines.TEST').packet.header.rcode).toBe(Rcode.NXDOMAIN)
    expect(ask('EXAMPLE.ORG').packet.header.rcode).toBe(Rcode.REFUSED)
  })
})

describe('the table', () => {
  it('counts its (name, type) entries and describes without rotating', () => {
    expect(table.size).toBeGreaterThan(20)
    const described = table.describe('APP.nines.test', RRType.A)
    expect(described).toMatchObject({ zone: 'nines.test', localityDependent: false, ecsScope: 0 })
    expect(described.variants).toHaveLength(3)
    expect(table.describe('example.org', RRType.A)).toMatchObject({ zone: undefined })
    expect(table.describe('x.eu.nines.test', RRType.A)).toMatchObject({ zone: 'eu.nines.test' })
  })

  it('refuses to build zones that fail checkZoneReferences, naming the path', () => {
    const zones = dnsZonesSchema.parse({
      'nines.test': { ns: [{ name: 'ns.example.org' }], names: { x: { pool: 'nope' } } },
    })
    let error: unknown
    try {
      buildAnswers({
        zones,
        pools,
        localities: [],
        health: () => ({ effective: 'up', recovering: false }),
        priority: new Map(),
        serial: 1,
        rng: seededRng(1),
        now: 0,
      })
    } catch (caught) {
      error = caught
    }
    expect(isNinesError(error, 'NINES_ERR_INVALID_ARGUMENT')).toBe(true)
    expect((error as Error).message).toBe('zones.nines.test.names.x.pool: unknown pool "nope" (pools: app)')
  })
})

describe('delegation: NS records below the apex', () => {
  const referral = (name: string, type: number = RRType.A) => {
    const { packet } = ask(name, type)
    expect(packet.header).toMatchObject({ aa: 0, rcode: Rcode.NOERROR, ancount: 0 })
    return {
      ns: data(packet.authorities),
      glue: data(packet.additionals),
      owners: packet.authorities.map((r) => r.name),
    }
  }

  it('refers every type at the cut to its servers, with in-zone glue, never authoritatively', () => {
    for (const type of [RRType.A, RRType.NS, RRType.MX, RRType.ANY]) {
      expect(referral('sub.nines.test', type)).toEqual({
        ns: ['ns1.sub.nines.test', 'ns.elsewhere.example'],
        glue: ['192.0.2.53', '2001:db8::53'],
        owners: ['sub.nines.test', 'sub.nines.test'],
      })
    }
    expect(referral('delegated.nines.test', RRType.NS)).toEqual({
      ns: ['ns.elsewhere.example'],
      glue: [],
      owners: ['delegated.nines.test'],
    })
  })

  it('refers names below the cut too, the glue names and names it has never heard of', () => {
    expect(referral('ns1.sub.nines.test').ns).toEqual(['ns1.sub.nines.test', 'ns.elsewhere.example'])
    expect(referral('host.deep.SUB.nines.test', RRType.AAAA).owners).toEqual([
      'sub.nines.test',
      'sub.nines.test',
    ])
    expect(referral('x.delegated.nines.test').ns).toEqual(['ns.elsewhere.example'])
  })

  it('answers DS at the cut itself as the parent side: authoritative NODATA', () => {
    const { packet } = ask('sub.nines.test', RRType.DS)
    expect(packet.header).toMatchObject({ aa: 1, rcode: Rcode.NOERROR, ancount: 0 })
    expect(packet.authorities.map((r) => r.type)).toEqual([RRType.SOA])
  })

  it('a CNAME into the delegation answers the chain and the referral, as NSD and Knot do (RFC 1034 §4.3.2 3b)', () => {
    // NSD 4.6.1 and Knot 3.2.6 on the same data: NOERROR, aa, the chain in answer, the cut's NS in
    // authority, its glue in additional; never the glue as an answer (RFC 2181 §5.4.1).
    const expected = {
      ns: ['ns1.sub.nines.test', 'ns.elsewhere.example'],
      glue: ['192.0.2.53', '2001:db8::53'],
      owners: ['sub.nines.test', 'sub.nines.test'],
    }
    const cases: [string, number, string[]][] = [
      ['into-sub.nines.test', RRType.A, ['host.sub.nines.test']],
      ['into-sub.nines.test', RRType.TXT, ['host.sub.nines.test']],
      ['to-glue.nines.test', RRType.A, ['ns1.sub.nines.test']],
      ['to-glue.nines.test', RRType.AAAA, ['ns1.sub.nines.test']],
      ['to-cut.nines.test', RRType.A, ['sub.nines.test']],
      ['to-cut.nines.test', RRType.NS, ['sub.nines.test']],
      ['via.nines.test', RRType.A, ['into-sub.nines.test', 'host.sub.nines.test']],
    ]
    for (const [name, type, chain] of cases) {
      const { packet } = ask(name, type)
      expect(packet.header, name).toMatchObject({ aa: 1, rcode: Rcode.NOERROR })
      expect(packet.answers.map((r) => r.type)).toEqual(chain.map(() => RRType.CNAME))
      expect(data(packet.answers)).toEqual(chain)
      expect({
        ns: data(packet.authorities),
        glue: data(packet.additionals),
        owners: packet.authorities.map((r) => r.name),
      }).toEqual(expected)
    }
    // The CNAME itself, asked for, is only the CNAME.
    const own = ask('to-glue.nines.test', RRType.CNAME).packet
    expect([own.answers.length, own.authorities.length, own.additionals.length]).toEqual([1, 0, 0])
  })

  it('leaves the rest of the DNS zone alone', () => {
    expect(ask('nosub.nines.test').packet.header).toMatchObject({ aa: 1, rcode: Rcode.NXDOMAIN })
    expect(ask('mail.nines.test').packet.header).toMatchObject({ aa: 1, rcode: Rcode.NOERROR, ancount: 2 })
  })
})

describe('wildcards (RFC 4592)', () => {
  const answers = (name: string, type: number = RRType.A) => {
    const { packet } = ask(name, type)
    expect(packet.header).toMatchObject({ aa: 1 })
    return packet.answers.map((r) => [r.name, data([r])[0]])
  }

  it('answer a name that does not exist below the wildcard, owned by the name asked, in its casing', () => {
    expect(answers('foo.apps.nines.test')).toEqual([['foo.apps.nines.test', '192.0.2.90']])
    expect(answers('FoO.Apps.nines.test')).toEqual([['FoO.Apps.nines.test', '192.0.2.90']])
    expect(answers('a.much-longer.name.apps.nines.test', RRType.TXT)).toEqual([
      ['a.much-longer.name.apps.nines.test', ['wild']],
    ])
  })

  it('give NODATA for a type the wildcard lacks, and never cover names that exist', () => {
    const nodata = ask('foo.apps.nines.test', RRType.AAAA).packet
    expect(nodata.header).toMatchObject({ aa: 1, rcode: Rcode.NOERROR, ancount: 0 })
    expect(nodata.authorities.map((r) => r.type)).toEqual([RRType.SOA])
    expect(answers('real.apps.nines.test')).toEqual([['real.apps.nines.test', '192.0.2.91']])
    expect(ask('real.apps.nines.test', RRType.TXT).packet.header).toMatchObject({ ancount: 0 })
    // Its closest encloser is real.apps, which has no wildcard child.
    expect(ask('x.real.apps.nines.test').packet.header).toMatchObject({ rcode: Rcode.NXDOMAIN })
    expect(ask('apps.nines.test').packet.header).toMatchObject({ rcode: Rcode.NOERROR, ancount: 0 })
    expect(answers('*.apps.nines.test')).toEqual([['*.apps.nines.test', '192.0.2.90']])
  })

  it('follow CNAMEs from and to a wildcard', () => {
    expect(answers('q.cn.nines.test')).toEqual([
      ['q.cn.nines.test', 'mail.nines.test'],
      ['mail.nines.test', '192.0.2.25'],
      ['mail.nines.test', '192.0.2.26'],
    ])
    expect(answers('to-wild.nines.test')).toEqual([
      ['to-wild.nines.test', 'x.apps.nines.test'],
      ['x.apps.nines.test', '192.0.2.90'],
    ])
  })

  it('fit every question under them: random names, lengths and casing, through the fast parse', () => {
    const rng = seededRng(11)
    const chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-'
    const label = () =>
      Array.from(
        { length: 1 + Math.floor(rng.next() * 30) },
        () => chars[Math.floor(rng.next() * chars.length)],
      ).join('')
    for (let i = 0; i < 300; i++) {
      const labels = Array.from({ length: 1 + Math.floor(rng.next() * 4) }, label)
      const name = `${labels.join('.')}.apps.nines.test`
      const msg = encodeQuery({ id: i, name, type: RRType.A })
      const query = parseQuery(msg)
      if (isQueryProblem(query)) throw new Error(`${query.problem}: ${query.detail}`)
      const reply = writeResponse(query, msg, table.resolve(query, { address: '192.0.2.1', family: 4 }), {
        maxUdpPayload: 1232,
        transport: 'udp',
      })
      const packet = Packet.parse(reply)
      expect(packet.errors).toEqual([])
      expect(packet.answers.map((r) => [r.name, r.address])).toEqual([[name, '192.0.2.90']])
    }
  })

  it('stay out of delegations', () => {
    const { packet } = ask('anything.sub.nines.test')
    expect(packet.header).toMatchObject({ aa: 0, ancount: 0 })
    expect(packet.authorities.map((r) => r.type)).toEqual([RRType.NS, RRType.NS])
  })
})
