import { Resolver } from 'node:dns/promises'
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deployment, fastTcpCheck } from './deployment.js'
import { dig, freePort, startDns, waitFor, type RunningDns } from './harness.js'

const many = Array.from({ length: 60 }, (_, i) => ({ name: 'many', type: 'A', data: `192.0.2.${i + 1}` }))

describe('protocol', () => {
  let dns: RunningDns
  beforeAll(async () => {
    const closed = await freePort() // nothing listens: the endpoint is down, answers fail open
    dns = await startDns((ports) => {
      const config = deployment(
        ports,
        { app: { check: fastTcpCheck, endpoints: [{ name: 'a', address: '127.0.0.1', port: closed }] } },
        {
          names: { app: { pool: 'app', srv: ['_http._tcp'] } },
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
            { name: 'to-child', type: 'CNAME', data: 'www.child.e2e.test' },
            { name: 'to-glue', type: 'CNAME', data: 'ns.child.e2e.test' },
            ...many,
          ],
        },
      ) as { instances: { test: { dns: Record<string, unknown> } } }
      config.instances.test.dns.tcp = { messageTimeoutMs: 500, maxConnectionsPerSource: 4 }
      return config
    })
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

  it('a CNAME into a delegation: the CNAME, authoritative, then the referral (RFC 1034 §4.3.2 3b), as NSD and Knot', async () => {
    for (const [name, target] of [
      ['to-child.e2e.test', 'www.child.e2e.test.'],
      ['to-glue.e2e.test', 'ns.child.e2e.test.'],
    ]) {
      const answer = await dig(dns.port, name!, 'A', '+norec')
      expect(answer.status).toBe('NOERROR')
      expect(answer.flags).toContain('aa')
      expect(answer.answers).toEqual([{ name: `${name}.`, ttl: 3600, type: 'CNAME', data: target }])
      expect(answer.authority).toEqual([
        { name: 'child.e2e.test.', ttl: 3600, type: 'NS', data: 'ns.child.e2e.test.' },
      ])
      expect(answer.additional.filter((r) => r.type === 'A').map((r) => r.data)).toEqual(['192.0.2.53'])
    }
  })

  it('answers SRV at _service._proto.<name>, its target addresses with the same TTL', async () => {
    const srv = await dig(dns.port, '_http._tcp.app.e2e.test', 'SRV')
    expect(srv.status).toBe('NOERROR')
    expect(srv.answers).toHaveLength(1)
    expect(srv.answers[0]).toMatchObject({ name: '_http._tcp.app.e2e.test.', type: 'SRV' })
    expect(srv.answers[0]!.data).toMatch(/^0 1 \d+ a\.app\.e2e\.test\.$/)
    const addresses = srv.additional.filter((r) => r.type === 'A')
    expect(addresses).toEqual([
      { name: 'a.app.e2e.test.', ttl: srv.answers[0]!.ttl, type: 'A', data: '127.0.0.1' },
    ])
    // srv: [_http._tcp] answers there only.
    expect((await dig(dns.port, 'app.e2e.test', 'SRV')).answers).toEqual([])
  })

  it('answers FORMERR with an OPT to a query with an OPT and no question (dig +header-only)', async () => {
    const formerr = await dig(dns.port, '+header-only', 'www.e2e.test')
    expect(formerr.status).toBe('FORMERR')
    expect(formerr.raw).toMatch(/EDNS: version: 0/)
  })

  it('TCP: closes a client that trickles a message; caps connections per source, others still served', async () => {
    const open = () =>
      new Promise<Socket>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: dns.port }, () => resolve(socket))
        socket.on('error', () => undefined)
        socket.once('error', reject)
      })
    // One byte of a length prefix, then nothing: closed after messageTimeoutMs (500 ms), not idleTimeoutMs.
    const trickler = await open()
    let closed = false
    trickler.once('close', () => (closed = true))
    trickler.write(Buffer.from([0]))
    await waitFor(() => closed, 5000)
    // Four held from 127.0.0.1 (the cap), a fifth closed at once; dig from 127.0.0.2 is still served.
    const held = await Promise.all([open(), open(), open(), open()])
    const fifth = await open()
    let fifthClosed = false
    fifth.once('close', () => (fifthClosed = true))
    await waitFor(() => fifthClosed, 5000)
    const served = await dig(dns.port, 'www.e2e.test', '+tcp', '-b', '127.0.0.2')
    expect(served.answers.map((a) => a.data)).toEqual(['192.0.2.1'])
    held.forEach((socket) => socket.destroy())
  })
})
