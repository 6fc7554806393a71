import { describe, expect, it } from 'vitest'
import { checkZoneReferences } from './references.js'
import { dnsZonesSchema, type DnsZonesInput } from './schema.js'

const pools = new Set(['app', 'api'])
const ns = [{ name: 'ns1.nines.test', addresses: ['127.0.0.1'] }]

function check(zones: DnsZonesInput, poolNames: ReadonlySet<string> = pools) {
  return checkZoneReferences(dnsZonesSchema.parse(zones), poolNames)
}

describe('checkZoneReferences', () => {
  it('finds nothing in a consistent configuration', () => {
    expect(
      check({
        'nines.test': {
          ns: [...ns, { name: 'ns.example.org' }],
          records: [
            { name: 'www', type: 'CNAME', data: 'app.nines.test' },
            { name: 'app', type: 'TXT', data: 'v=1' },
            { name: 'ns1', type: 'AAAA', data: '2001:db8::1' },
            { name: 'a.www', type: 'A', data: '192.0.2.1' },
          ],
          names: { app: { pool: 'app' }, 'api.nines.test.': { pool: 'api', srv: { enabled: false } } },
        },
        'eu.nines.test': { ns },
      }),
    ).toEqual([])
  })

  it('names an unknown pool and lists the known ones', () => {
    expect(check({ 'nines.test': { ns, names: { app: { pool: 'ap' } } } }, new Set(['app']))).toEqual([
      { path: ['nines.test', 'names', 'app', 'pool'], message: 'unknown pool "ap" (pools: app)' },
    ])
    expect(check({ 'nines.test': { ns, names: { app: { pool: 'ap' } } } }, new Set())[0]?.message).toBe(
      'unknown pool "ap" (pools: none)',
    )
  })

  it('a static record of a type the dynamic name answers', () => {
    const records = [
      { name: 'app', type: 'A', data: '192.0.2.1' },
      { name: 'app', type: 'SRV', data: { priority: 0, weight: 0, port: 80, target: 'x.test' } },
      { name: 'api', type: 'SRV', data: { priority: 0, weight: 0, port: 80, target: 'x.test' } },
    ] as const
    expect(
      check({
        'nines.test': {
          ns,
          records: [...records],
          names: { 'app.nines.test.': { pool: 'app' }, api: { pool: 'api', srv: { enabled: false } } },
        },
      }),
    ).toEqual([
      {
        path: ['nines.test', 'records', 0, 'type'],
        message: 'A at app.nines.test is also answered from a pool by names.app.nines.test.',
      },
      {
        path: ['nines.test', 'records', 1, 'type'],
        message: 'SRV at app.nines.test is also answered from a pool by names.app.nines.test.',
      },
    ])
  })

  it('a CNAME beside other data (RFC 1034), at the apex too', () => {
    const problems = check({
      'nines.test': {
        ns,
        records: [
          { name: 'www', type: 'CNAME', data: 'app.nines.test' },
          { name: 'www', type: 'TXT', data: 'x' },
          { name: '@', type: 'CNAME', data: 'elsewhere.example' },
          { name: 'app', type: 'CNAME', data: 'elsewhere.example' },
        ],
        names: { app: { pool: 'app' } },
      },
    })
    expect(problems).toEqual([
      {
        path: ['nines.test', 'records', 2, 'name'],
        message:
          'CNAME at nines.test beside other data (the apex SOA and NS): a CNAME must be alone at its name (RFC 1034 §3.6.2)',
      },
      {
        path: ['nines.test', 'records', 0, 'name'],
        message:
          'CNAME at www.nines.test beside other data (records[1] TXT): a CNAME must be alone at its name (RFC 1034 §3.6.2)',
      },
      {
        path: ['nines.test', 'records', 3, 'name'],
        message:
          'CNAME at app.nines.test beside other data (names.app): a CNAME must be alone at its name (RFC 1034 §3.6.2)',
      },
    ])
  })

  it('an in-zone NS without glue, and an NS name that is a CNAME', () => {
    expect(
      check({
        'nines.test': {
          ns: [{ name: 'ns1.nines.test' }, { name: 'ns2.nines.test' }, { name: 'ns3.nines.test' }],
          records: [
            { name: 'ns2', type: 'CNAME', data: 'ns.example.org' },
            { name: 'ns3', type: 'A', data: '192.0.2.53' },
          ],
        },
      }),
    ).toEqual([
      {
        path: ['nines.test', 'ns', 0, 'addresses'],
        message: 'expected glue addresses: ns1.nines.test is inside the DNS zone nines.test',
      },
      {
        path: ['nines.test', 'ns', 1, 'name'],
        message:
          'ns2.nines.test is a CNAME (records[0] CNAME): an NS name must have addresses of its own (RFC 2181 §10.3)',
      },
    ])
  })

  it('owners outside their DNS zone, or inside a nested DNS zone that is served too', () => {
    expect(
      check({
        'nines.test': {
          ns,
          records: [
            { name: 'x.example.org.', type: 'A', data: '192.0.2.1' },
            { name: 'www.eu', type: 'A', data: '192.0.2.2' },
          ],
          names: { 'anines.test.': { pool: 'app' } },
        },
        'eu.nines.test': { ns },
      }),
    ).toEqual([
      {
        path: ['nines.test', 'records', 0, 'name'],
        message: '"x.example.org." is outside the DNS zone nines.test',
      },
      {
        path: ['nines.test', 'records', 1, 'name'],
        message:
          'www.eu.nines.test belongs to the DNS zone eu.nines.test, which is served too: define it there',
      },
      {
        path: ['nines.test', 'names', 'anines.test.'],
        message: '"anines.test." is outside the DNS zone nines.test',
      },
    ])
  })

  it('an owner too long once the origin is appended', () => {
    const owner = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}`
    expect(check({ 'nines.test': { ns, records: [{ name: owner, type: 'A', data: '192.0.2.1' }] } })).toEqual(
      [
        {
          path: ['nines.test', 'records', 0, 'name'],
          message: `${owner}.nines.test is longer than 253 characters`,
        },
      ],
    )
  })

  it('two dynamic names for one owner', () => {
    expect(
      check({ 'nines.test': { ns, names: { app: { pool: 'app' }, 'APP.nines.test.': { pool: 'api' } } } }),
    ).toEqual([
      { path: ['nines.test', 'names', 'app.nines.test.'], message: 'app.nines.test is also names.app' },
    ])
  })

  it('data a delegation hides: only NS at the cut, only glue below it, no dynamic name there', () => {
    const problems = check({
      'nines.test': {
        ns,
        records: [
          { name: 'sub', type: 'NS', data: 'ns1.sub.nines.test' },
          { name: 'ns1.sub', type: 'A', data: '192.0.2.53' },
          { name: 'sub', type: 'TXT', data: 'hidden' },
          { name: 'mx.sub', type: 'MX', data: { preference: 1, exchange: 'mail.example.org' } },
        ],
        names: { 'app.sub': { pool: 'app' } },
      },
    })
    expect(problems).toEqual([
      {
        path: ['nines.test', 'records', 2],
        message:
          'TXT at sub.nines.test: sub.nines.test is delegated by its NS records, so its own servers ' +
          'answer there; only the NS records can be here',
      },
      {
        path: ['nines.test', 'records', 3],
        message:
          'MX at mx.sub.nines.test: sub.nines.test is delegated by its NS records, so its own ' +
          'servers answer there; only glue addresses (A, AAAA) can be here',
      },
      {
        path: ['nines.test', 'names', 'app.sub'],
        message:
          'a dynamic name at app.sub.nines.test: sub.nines.test is delegated by its NS records, so its own ' +
          'servers answer there; only glue addresses (A, AAAA) can be here',
      },
    ])
  })

  it('a wildcard that would delegate', () => {
    expect(
      check({ 'nines.test': { ns, records: [{ name: '*.apps', type: 'NS', data: 'ns.example.org' }] } }),
    ).toEqual([
      {
        path: ['nines.test', 'records', 0, 'type'],
        message:
          'NS at the wildcard *.apps.nines.test: a wildcard cannot delegate (RFC 4592 §4.2); name the delegated zone',
      },
    ])
  })

  it('an SRV service of a dynamic name beside a static SRV, a CNAME or another dynamic name', () => {
    expect(
      check({
        'nines.test': {
          ns,
          records: [
            {
              name: '_http._tcp.app',
              type: 'SRV',
              data: { priority: 0, weight: 0, port: 80, target: 'x.test' },
            },
            { name: '_h2._tcp.app', type: 'CNAME', data: 'x.test' },
            { name: '_sip._udp.app', type: 'TXT', data: 'fine' },
          ],
          names: {
            app: { pool: 'app', srv: ['_http._tcp', '_h2._tcp', '_sip._udp', '_ldap._tcp'] },
            '_ldap._tcp.app': { pool: 'api' },
          },
        },
      }),
    ).toEqual([
      {
        path: ['nines.test', 'names', '_ldap._tcp.app'],
        message: '_ldap._tcp.app.nines.test is also the SRV service of names.app.srv.services[3]',
      },
      {
        path: ['nines.test', 'records', 0, 'type'],
        message: 'SRV at _http._tcp.app.nines.test is also answered from a pool by names.app.srv.services[0]',
      },
      {
        path: ['nines.test', 'records', 1, 'name'],
        message:
          'CNAME at _h2._tcp.app.nines.test beside other data (names.app.srv.services[1]): a CNAME must be alone at its name (RFC 1034 §3.6.2)',
      },
    ])
  })
})
