import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { isWithin, ownerFqdn, zoneOf } from './names.js'
import { dnsZonesSchema, dynamicNameSchema, staticRecordSchema } from './schema.js'

/** The `dns.zones` part of examples/local.yaml. */
const local = {
  'nines.test': {
    soa: { rname: 'hostmaster.nines.test', minimumSec: 60 },
    ns: [
      { name: 'ns1.nines.test', addresses: ['127.0.0.1'] },
      { name: 'ns2.nines.test', addresses: ['127.0.0.2'] },
    ],
    records: [
      { name: 'www', type: 'CNAME', data: 'app.nines.test' },
      { name: '@', type: 'TXT', data: 'nines local stack' },
    ],
    names: {
      app: {
        pool: 'app',
        policy: { kind: 'all', ttl: { normalSec: 30, degradedSec: 5 }, allDown: 'fail-open' },
      },
    },
  },
}

function issue(result: z.ZodSafeParseResult<unknown>) {
  expect(result.success).toBe(false)
  const first = result.error?.issues[0]
  return { path: first?.path.join('.'), message: first?.message }
}

describe('dnsZonesSchema', () => {
  it('accepts the local example and fills every default', () => {
    const zone = dnsZonesSchema.parse(local)['nines.test']!
    expect(zone.soa).toEqual({
      rname: 'hostmaster.nines.test',
      refreshSec: 3600,
      retrySec: 600,
      expireSec: 604_800,
      minimumSec: 60,
      ttlSec: 3600,
    })
    expect(zone.ttlSec).toBe(3600)
    expect(zone.ns[0]).toEqual({ name: 'ns1.nines.test', addresses: ['127.0.0.1'] })
    expect(zone.records[1]).toEqual({ name: '@', type: 'TXT', data: 'nines local stack' })
    const app = zone.names['app']!
    expect(app.backup).toEqual([])
    expect(app.srv).toEqual({ enabled: true, services: [] })
    expect(app.policy).toMatchObject({ kind: 'all', maxAnswers: 8, allDown: 'fail-open' })
  })

  it('normalizes origins and names: lowercase, no trailing dot; a mailbox rname becomes a name', () => {
    const parsed = dnsZonesSchema.parse({
      'Nines.Test.': {
        soa: { rname: 'ops@nines.test' },
        ns: [{ name: 'NS1.Example.ORG.' }],
        records: [{ name: 'WWW', type: 'CNAME', data: 'App.Nines.Test.' }],
      },
    })
    const zone = parsed['nines.test']!
    expect(zone.soa.rname).toBe('ops.nines.test')
    expect(zone.ns[0]?.name).toBe('ns1.example.org')
    expect(zone.records[0]).toMatchObject({ name: 'www', data: 'app.nines.test' })
    expect(zone.names).toEqual({})
  })

  it.each([
    [{}, '', 'expected at least one DNS zone'],
    [{ 'nines.test': { ns: [] } }, 'nines.test.ns', undefined],
    [
      { 'nines.test': { ns: [{ name: 'ns1..test' }] } },
      'nines.test.ns.0.name',
      'expected a host name such as ns1.nines.test',
    ],
    [
      { 'nines.test': { ns: [{ name: 'ns1.nines.test', addresses: ['10.0.0.300'] }] } },
      'nines.test.ns.0.addresses.0',
      'expected an IPv4 or IPv6 address',
    ],
    [{ 'nines.test': { ns: [{ name: 'a.test' }], soa: { serial: -1 } } }, 'nines.test.soa.serial', undefined],
    [{ 'nines.test': { ns: [{ name: 'a.test' }], extra: 1 } }, 'nines.test', undefined],
    [
      {
        'nines.test': {
          ns: [{ name: 'a.test' }],
          names: { app: { pool: 'app', policy: { allDown: 'backup' } } },
        },
      },
      'nines.test.names.app.backup',
      'expected at least one address: policy.allDown is "backup"',
    ],
    [
      {
        'nines.test': {
          ns: [{ name: 'a.test' }],
          names: { app: { pool: 'app', policy: { maxAnswers: 0 } } },
        },
      },
      'nines.test.names.app.policy.maxAnswers',
      undefined,
    ],
    [
      { 'nines.test': { ns: [{ name: 'a.test' }], names: { app: { pool: 'app', srv: { on: true } } } } },
      'nines.test.names.app.srv',
      undefined,
    ],
    [
      { 'nines.test': { ns: [{ name: 'a.test' }], names: { app: { pool: 'app', srv: ['http.tcp'] } } } },
      'nines.test.names.app.srv.0',
      'expected _service._proto such as _http._tcp (a service name of 1-15 letters, digits or hyphens)',
    ],
    [
      {
        'nines.test': {
          ns: [{ name: 'a.test' }],
          names: { app: { pool: 'app', srv: { services: ['_averyveryverylongname._tcp'] } } },
        },
      },
      'nines.test.names.app.srv.services.0',
      'expected _service._proto such as _http._tcp (a service name of 1-15 letters, digits or hyphens)',
    ],
    [
      {
        'nines.test': {
          ns: [{ name: 'a.test' }],
          names: { app: { pool: 'app', srv: ['_http._tcp', '_HTTP._tcp'] } },
        },
      },
      'nines.test.names.app.srv.1',
      '_http._tcp is listed twice',
    ],
    [
      { 'nines.test': { ns: [{ name: 'a.test' }], names: { app: { pool: 'app', srv: true } } } },
      'nines.test.names.app.srv',
      'expected a list of services such as [_http._tcp], or { enabled, services }',
    ],
    [
      {
        'nines.test': { ns: [{ name: 'a.test' }], records: [{ name: 'a b', type: 'A', data: '192.0.2.1' }] },
      },
      'nines.test.records.0.name',
      'expected "@", a relative name such as www, an absolute one ending with a dot, or a wildcard such as *.apps',
    ],
    [
      {
        'nines.test': { ns: [{ name: 'a.test' }], records: [{ name: 'a.*', type: 'A', data: '192.0.2.1' }] },
      },
      'nines.test.records.0.name',
      undefined,
    ],
    [
      { 'nines.test': { ns: [{ name: 'a.test' }], names: { '*.apps': { pool: 'app' } } } },
      'nines.test.names.*.apps',
      undefined,
    ],
  ])('rejects %j at "%s"', (input, path, message) => {
    const found = issue(dnsZonesSchema.safeParse(input))
    expect(found.path).toBe(path)
    if (message !== undefined) expect(found.message).toBe(message)
  })

  it('rejects a bad origin as a record key issue', () => {
    const result = dnsZonesSchema.safeParse({ 'bad origin': { ns: [{ name: 'a.test' }] } })
    expect(result.error?.issues[0]).toMatchObject({ code: 'invalid_key', path: ['bad origin'] })
  })

  it('has a JSON Schema for editors (input side)', () => {
    const schema = z.toJSONSchema(dnsZonesSchema, { io: 'input' }) as { type: string }
    expect(schema.type).toBe('object')
  })
})

describe('staticRecordSchema', () => {
  it.each([
    [{ name: 'a', type: 'A', data: '2001:db8::1' }, 'data', 'expected an IPv4 address'],
    [
      { name: 'a', type: 'AAAA', data: '::ffff:192.0.2.1' },
      'data',
      'expected an IPv6 address (not an IPv4-mapped one)',
    ],
    [
      { name: 'a', type: 'MX', data: { preference: 70000, exchange: 'mx.test' } },
      'data.preference',
      undefined,
    ],
    [{ name: 'a', type: 'SRV', data: { priority: 0, weight: 0, port: 1 } }, 'data.target', undefined],
    [
      { name: 'a', type: 'CAA', data: { tag: 'is sue', value: 'x' } },
      'data.tag',
      'expected 1-15 letters or digits such as issue',
    ],
    [{ name: 'a', type: 'TXT', data: [] }, 'data', undefined],
    [{ name: 'a', type: 'A', ttlSec: -1, data: '192.0.2.1' }, 'ttlSec', undefined],
    [{ name: 'a', type: 'HINFO', data: 'x' }, 'type', undefined],
  ])('rejects %j at "%s"', (input, path, message) => {
    const found = issue(staticRecordSchema.safeParse(input))
    expect(found.path).toBe(path)
    if (message !== undefined) expect(found.message).toBe(message)
  })

  it('defaults CAA flags and keeps absolute owners with their dot', () => {
    expect(
      staticRecordSchema.parse({
        name: 'X.Nines.Test.',
        type: 'CAA',
        data: { tag: 'issue', value: 'ca.test' },
      }),
    ).toEqual({
      name: 'x.nines.test.',
      type: 'CAA',
      data: { flags: 0, tag: 'issue', value: 'ca.test' },
    })
  })
})

describe('dynamicNameSchema', () => {
  it('accepts backup addresses of both families with allDown backup', () => {
    const parsed = dynamicNameSchema.parse({
      pool: 'app',
      policy: { allDown: 'backup' },
      backup: ['192.0.2.9', '2001:db8::9'],
    })
    expect(parsed.backup).toEqual(['192.0.2.9', '2001:db8::9'])
  })
})

describe('owner names', () => {
  it.each([
    ['@', 'nines.test'],
    ['www', 'www.nines.test'],
    ['_sip._tcp', '_sip._tcp.nines.test'],
    ['app.nines.test.', 'app.nines.test'],
    ['elsewhere.example.', 'elsewhere.example'],
  ])('%s in nines.test is %s', (owner, fqdn) => {
    expect(ownerFqdn(owner, 'nines.test')).toBe(fqdn)
  })

  it('isWithin compares whole labels, and zoneOf picks the innermost DNS zone', () => {
    expect(isWithin('nines.test', 'nines.test')).toBe(true)
    expect(isWithin('a.nines.test', 'nines.test')).toBe(true)
    expect(isWithin('anines.test', 'nines.test')).toBe(false)
    const origins = new Set(['nines.test', 'eu.nines.test'])
    expect(zoneOf('a.eu.nines.test', origins)).toBe('eu.nines.test')
    expect(zoneOf('a.us.nines.test', origins)).toBe('nines.test')
    expect(zoneOf('example.org', origins)).toBeUndefined()
  })
})
