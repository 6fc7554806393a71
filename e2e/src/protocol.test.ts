import { Resolver } from 'node:dns/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deployment } from './deployment.js'
import { dig, startDns, type RunningDns } from './harness.js'

const many = Array.from({ length: 60 }, (_, i) => ({ name: 'many', type: 'A', data: `192.0.2.${i + 1}` }))

describe('protocol', () => {
  let dns: RunningDns
  beforeAll(async () => {
    dns = await startDns((ports) =>
      deployment(
        ports,
        {},
        {
          soa: { minimumSec: 60, ttlSec: 3600 },
          records: [
            { name: 'www', type: 'A', data: '192.0.2.1' },
            { name: 'alias', type: 'CNAME', data: 'www.e2e.test' },
            { name: '@', type: 'MX', data: { preference: 10, exchange: 'mail.e2e.test' } },
            { name: 'mail', type: 'A', data: '192.0.2.25' },
            { name: 'deep.sub', type: 'TXT', data: 'empty non-terminal above' },
            { name: 'child', type: 'NS', data: 'ns.child.e2e.test' },
            { name: 'ns.child', type: 'A', data: '192.0.2.53' },
            { name: '*.apps', type: 'A', data: '192.0.2.90' },
            ...many,
          ],
        },
      ),
    )
  })
  afterAll(async () => {
    await dns?.stop()
  })

  it('answers authoritatively and echoes the question case', async () => {
    const answer = await dig(dns.port, 'WwW.E2e.TeSt', 'A')
    expect(answer.status).toBe('NOERROR')
    expect(answer.flags).toContain('aa')
    expect(answer.answers).toEqual([{ name: 'WwW.E2e.TeSt.', ttl: 3600, type: 'A', data: '192.0.2.1' }])
  })

  it('gives NXDOMAIN and NODATA with the SOA and the negative TTL of RFC 2308', async () => {
    const nx = await dig(dns.port, 'nope.e2e.test')
    expect(nx.status).toBe('NXDOMAIN')
    expect(nx.authority[0]).toMatchObject({ name: 'e2e.test.', type: 'SOA', ttl: 60 })
    const nodata = await dig(dns.port, 'www.e2e.test', 'AAAA')
    expect(nodata.status).toBe('NOERROR')
    expect(nodata.answers).toEqual([])
    expect(nodata.authority[0]?.type).toBe('SOA')
    expect((await dig(dns.port, 'sub.e2e.test', 'A')).status).toBe('NOERROR') // empty non-terminal
  })

  it('refers names under a delegation to their servers: NS and glue, no AA', async () => {
    for (const name of ['child.e2e.test', 'www.child.e2e.test', 'ns.child.e2e.test']) {
      const referral = await dig(dns.port, name, 'A', '+norec')
      expect(referral.status).toBe('NOERROR')
      expect(referral.flags).not.toContain('aa')
      expect(referral.answers).toEqual([])
      expect(referral.authority).toEqual([
        { name: 'child.e2e.test.', ttl: 3600, type: 'NS', data: 'ns.child.e2e.test.' },
      ])
      expect(referral.additional.filter((r) => r.type === 'A').map((r) => r.data)).toEqual(['192.0.2.53'])
    }
  })

  it('answers names under a wildcard as their own, in the question case, over UDP and TCP', async () => {
    for (const transport of ['+notcp', '+tcp']) {
      const wild = await dig(dns.port, 'Tenant-42.apps.e2e.test', 'A', transport)
      expect(wild.status).toBe('NOERROR')
      expect(wild.flags).toContain('aa')
      expect(wild.answers).toEqual([
        { name: 'Tenant-42.apps.e2e.test.', ttl: 3600, type: 'A', data: '192.0.2.90' },
      ])
    }
    expect((await dig(dns.port, 'x.apps.e2e.test', 'AAAA')).answers).toEqual([])
  })

  it('refuses names outside its DNS zones: it is never a resolver', async () => {
    const refused = await dig(dns.port, 'example.com')
    expect(refused.status).toBe('REFUSED')
    expect(refused.flags).not.toContain('aa')
  })

  it('follows in-zone CNAMEs and answers NS with glue, MX and minimal ANY', async () => {
    const alias = await dig(dns.port, 'alias.e2e.test')
    expect(alias.answers.map((a) => a.type)).toEqual(['CNAME', 'A'])
    const ns = await dig(dns.port, 'e2e.test', 'NS')
    expect(ns.answers[0]?.data).toBe('ns1.e2e.test.')
    expect(ns.additional.find((a) => a.type === 'A')?.data).toBe('127.0.0.1')
    expect((await dig(dns.port, 'e2e.test', 'MX')).answers[0]?.data).toBe('10 mail.e2e.test.')
    expect((await dig(dns.port, 'many.e2e.test', 'ANY', '+tcp')).answers.length).toBeGreaterThan(0)
  })

  it('truncates over UDP (TC=1) and gives the full answer over TCP', async () => {
    const udp = await dig(dns.port, 'many.e2e.test', '+noedns', '+ignore')
    expect(udp.flags).toContain('tc')
    expect(udp.answers).toEqual([])
    const retried = await dig(dns.port, 'many.e2e.test', '+noedns') // dig retries over TCP itself
    expect(retried.answers).toHaveLength(60)
    const resolver = new Resolver({ timeout: 3000, tries: 1 })
    resolver.setServers([`127.0.0.1:${dns.port}`])
    expect(await resolver.resolve4('many.e2e.test')).toHaveLength(60)
  })

  it('speaks EDNS: echoes OPT, answers BADVERS to version 1', async () => {
    const edns = await dig(dns.port, 'www.e2e.test', '+edns=0', '+bufsize=4096')
    expect(edns.raw).toMatch(/EDNS: version: 0/)
    expect(edns.raw).toMatch(/udp: 1232/)
    expect((await dig(dns.port, 'www.e2e.test', '+edns=1', '+noednsneg')).status).toBe('BADVERS')
  })
})
