import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http'
import { connect as http2Connect } from 'node:http2'
import { request as httpsRequest } from 'node:https'
import { connect as netConnect } from 'node:net'
import { join } from 'node:path'
import { connect as tlsConnect } from 'node:tls'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { RRType, decodeMessage, encodeQuery } from '@nines/wire'
import { QueryCounters } from './counters.js'
import { createQueryHandler } from './handler.js'
import { DnsServer, type DnsServerOptions } from './server.js'
import type { Resolver } from './types.js'
import { APP, APP_V4, selfSigned, tempDir, testResolver, udpQuery } from './testing.js'

const HOST = '127.0.0.1'
let dir: string
let cert: { certFile: string; keyFile: string }
let ca: Buffer
let server: DnsServer | undefined
const seenClients: string[] = []

beforeAll(() => {
  dir = tempDir()
  cert = selfSigned(dir, 'ns1', ['ns1.nines.test', HOST])
  ca = readFileSync(cert.certFile)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))
afterEach(async () => {
  await server?.close()
  server = undefined
  seenClients.length = 0
})

interface Started {
  server: DnsServer
  udp: number
  https: number
  http: number
  counters: QueryCounters
}

async function start(options: Partial<DnsServerOptions> = {}): Promise<Started> {
  const base = testResolver()
  const resolver: Resolver = {
    resolve(query, client) {
      seenClients.push(client.address)
      return base.resolve(query, client)
    },
  }
  const counters = new QueryCounters()
  server = new DnsServer({
    handler: createQueryHandler({ resolver: () => resolver, counters }),
    counters: counters.socket,
    tls: { certificates: [{ ...cert, serverNames: [] }] },
    certificateDebounceMs: 20,
    ...options,
  })
  const bound = await server.listenAll({
    listen: [`${HOST}:0`],
    doh: {
      listen: [`${HOST}:0`],
      plainListen: [`${HOST}:0`],
      path: '/dns-query',
      jsonPath: '/resolve',
      cors: { allowOrigins: [] },
      trustedProxies: [],
    },
  })
  return {
    server,
    counters,
    udp: bound.dns[0]!.port,
    https: bound.doh![0]!.port,
    http: bound.doh![1]!.port,
  }
}

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

/** One HTTP/1.1 request (TLS when `tls`), on a fresh connection. */
function h1(
  port: number,
  path: string,
  options: { method?: string; headers?: OutgoingHttpHeaders; body?: Buffer; tls?: boolean } = {},
): Promise<Reply> {
  const tls = options.tls ?? true
  return new Promise((resolve, reject) => {
    const req = (tls ? httpsRequest : httpRequest)(
      { host: HOST, port, path, method: options.method ?? 'GET', headers: options.headers, agent: false, ca },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
        )
      },
    )
    req.setTimeout(5000, () => req.destroy(new Error('request timed out')))
    req.on('error', reject)
    req.end(options.body)
  })
}

/** Requests over one HTTP/2 session, all at once. */
async function h2(
  port: number,
  requests: { path: string; method?: string; headers?: Record<string, string>; body?: Buffer }[],
): Promise<Reply[]> {
  const session = http2Connect(`https://${HOST}:${port}`, { ca })
  session.on('error', () => undefined)
  await once(session, 'remoteSettings')
  expect(session.remoteSettings.maxConcurrentStreams).toBe(100)
  try {
    return await Promise.all(
      requests.map(
        (r) =>
          new Promise<Reply>((resolve, reject) => {
            const stream = session.request({ ':path': r.path, ':method': r.method ?? 'GET', ...r.headers })
            let headers: Record<string, string | string[] | undefined> = {}
            const chunks: Buffer[] = []
            stream.on('response', (h) => (headers = h as typeof headers))
            stream.on('data', (chunk: Buffer) => chunks.push(chunk))
            stream.on('end', () =>
              resolve({ status: Number(headers[':status']), headers, body: Buffer.concat(chunks) }),
            )
            stream.on('error', reject)
            stream.end(r.body)
          }),
      ),
    )
  } finally {
    session.close()
  }
}

const query = (id = 0, type: number = RRType.A, name = APP) => encodeQuery({ id, name, type })
const b64 = (msg: Buffer) => msg.toString('base64url')

describe('DoH (RFC 8484)', () => {
  it('answers GET, POST and JSON as UDP does, over HTTPS/1.1 and plain HTTP', async () => {
    const { udp, https, http } = await start()
    const msg = query(0x1234)
    const viaUdp = await udpQuery(HOST, udp, msg)
    expect(viaUdp).not.toBeNull()
    for (const [port, tls] of [
      [https, true],
      [http, false],
    ] as const) {
      const get = await h1(port, `/dns-query?dns=${b64(msg)}`, { tls })
      expect(get.status).toBe(200)
      expect(get.headers['content-type']).toBe('application/dns-message')
      expect(get.body.equals(viaUdp!)).toBe(true)
      const post = await h1(port, '/dns-query', {
        tls,
        method: 'POST',
        headers: { 'content-type': 'application/dns-message' },
        body: msg,
      })
      expect(post.status).toBe(200)
      expect(post.body.equals(viaUdp!)).toBe(true)
    }
    const json = await h1(https, `/resolve?name=${APP}&type=A`)
    expect(json.status).toBe(200)
    expect(json.headers['content-type']).toBe('application/dns-json')
    expect(JSON.parse(json.body.toString())).toEqual({
      Status: 0,
      TC: false,
      RD: true,
      RA: false,
      AD: false,
      CD: false,
      Question: [{ name: `${APP}.`, type: 1 }],
      Answer: [{ name: `${APP}.`, type: 1, TTL: 30, data: APP_V4 }],
    })
    // The same answer set as UDP's, through decodeMessage.
    expect(decodeMessage(viaUdp!).answers.map((r) => r.data)).toEqual([APP_V4])
  })

  it('keeps the query ID as sent, accepts padded base64url, and sets max-age from the TTL', async () => {
    const { https } = await start()
    for (const id of [0, 4242]) {
      const msg = query(id)
      const padded = msg.toString('base64').replace(/\+/g, '-').replace(/\//g, '_')
      const reply = await h1(https, `/dns-query?dns=${padded}`)
      expect(reply.status).toBe(200)
      expect(reply.body.readUInt16BE(0)).toBe(id)
      expect(reply.headers['cache-control']).toBe('max-age=30')
    }
    // REFUSED (not our name) is not for caches.
    const refused = await h1(https, `/dns-query?dns=${b64(query(1, RRType.A, 'other.example'))}`)
    expect(decodeMessage(refused.body).rcode).toBe(5)
    expect(refused.headers['cache-control']).toBe('no-store')
  })

  it('serves HTTP/2: GET, POST and JSON multiplexed on one session', async () => {
    const { https, udp, counters } = await start()
    const msg = query(7, RRType.AAAA)
    const viaUdp = await udpQuery(HOST, udp, msg)
    const replies = await h2(https, [
      { path: `/dns-query?dns=${b64(msg)}` },
      {
        path: '/dns-query',
        method: 'POST',
        headers: { 'content-type': 'application/dns-message' },
        body: msg,
      },
      { path: `/resolve?name=${APP}&type=AAAA` },
      { path: `/resolve?name=${APP}&type=28&ct=application/dns-message` },
    ])
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200])
    expect(replies[0]!.body.equals(viaUdp!)).toBe(true)
    expect(replies[1]!.body.equals(viaUdp!)).toBe(true)
    expect(JSON.parse(replies[2]!.body.toString()).Answer[0].data).toBe('2001:db8::1')
    expect(decodeMessage(replies[3]!.body).answers[0]!.data).toBe('2001:db8::1')
    expect(counters.snapshot().queriesByTransport).toMatchObject({ udp: 1, doh: 4 })
  })

  it('answers HTTP errors for what is not a DNS query', async () => {
    const { https } = await start()
    const cases: [string, Parameters<typeof h1>[2], number][] = [
      ['/dns-query', {}, 400],
      ['/dns-query?dns=***', {}, 400],
      ['/dns-query?dns=AAAA', {}, 400],
      ['/nope', {}, 404],
      ['/dns-query', { method: 'PUT' }, 405],
      ['/resolve?name=x', { method: 'POST' }, 405],
      ['/dns-query', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: query() }, 415],
      [
        '/dns-query',
        {
          method: 'POST',
          headers: { 'content-type': 'application/dns-message' },
          body: Buffer.alloc(70_000),
        },
        413,
      ],
      ['/resolve?name=app.nines.test&type=BOGUS', {}, 400],
      ['/resolve?type=A', {}, 400],
      ['/resolve?name=app.nines.test&edns_client_subnet=300.1.1.1/24', {}, 400],
    ]
    for (const [path, options, status] of cases) {
      const reply = await h1(https, path, options)
      expect({ path, status: reply.status }).toEqual({ path, status })
    }
    const bad = await h1(https, '/dns-query', { method: 'DELETE' })
    expect(bad.headers.allow).toBe('GET, POST, OPTIONS')
    const json = await h1(https, '/resolve?name=app.nines.test&type=BOGUS')
    expect(JSON.parse(json.body.toString()).error).toMatch(/^type: /)
    // A response (QR=1) is no query: the handler answers nothing, HTTP says 400.
    const response = Buffer.from(query())
    response[2] = 0x80
    expect((await h1(https, `/dns-query?dns=${b64(response)}`)).status).toBe(400)
  })

  it('adds CORS headers only for configured origins, and answers preflight', async () => {
    const { https } = await start()
    const none = await h1(https, `/dns-query?dns=${b64(query())}`, { headers: { origin: 'https://a.test' } })
    expect(none.headers['access-control-allow-origin']).toBeUndefined()
    await server!.close()
    const { https: port } = await start({ doh: { cors: { allowOrigins: ['https://a.test'] } } })
    const allowed = await h1(port, `/dns-query?dns=${b64(query())}`, {
      headers: { origin: 'https://a.test' },
    })
    expect(allowed.headers['access-control-allow-origin']).toBe('https://a.test')
    expect(allowed.headers.vary).toBe('origin')
    const other = await h1(port, `/dns-query?dns=${b64(query())}`, { headers: { origin: 'https://b.test' } })
    expect(other.headers['access-control-allow-origin']).toBeUndefined()
    const preflight = await h1(port, '/dns-query', {
      method: 'OPTIONS',
      headers: { origin: 'https://a.test', 'access-control-request-method': 'POST' },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': 'https://a.test',
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'content-type, accept',
      'access-control-max-age': '86400',
    })
  })

  it('believes X-Forwarded-For only from trusted proxies (right-most untrusted hop)', async () => {
    const { http } = await start({ doh: { trustedProxies: ['127.0.0.0/8', '10.0.0.0/8'] } })
    const ask = (xff: string) =>
      h1(http, `/dns-query?dns=${b64(query())}`, { tls: false, headers: { 'x-forwarded-for': xff } })
    await ask('198.51.100.9, 203.0.113.5, 10.1.1.1')
    await ask('garbage, 203.0.113.6')
    await h1(http, `/dns-query?dns=${b64(query())}`, { tls: false })
    expect(seenClients).toEqual(['203.0.113.5', '203.0.113.6', HOST])
    await server!.close()
    seenClients.length = 0
    const { http: untrusted } = await start({ doh: { trustedProxies: ['10.0.0.0/8'] } })
    await h1(untrusted, `/dns-query?dns=${b64(query())}`, {
      tls: false,
      headers: { 'x-forwarded-for': '203.0.113.5' },
    })
    expect(seenClients).toEqual([HOST])
  })

  it('caps connections per source as TCP does, except from trusted proxies', async () => {
    const open = async (port: number) => {
      const socket = netConnect({ host: HOST, port })
      socket.on('error', () => undefined)
      await once(socket, 'connect')
      return socket
    }
    const { http, counters } = await start({ tcp: { maxConnectionsPerSource: 1 } })
    const first = await open(http)
    const second = await open(http)
    await new Promise((resolve) => second.once('close', resolve))
    expect(counters.socket.tcpRejectedPerSource).toBe(1)
    first.destroy()
    await server!.close()
    const trusted = await start({ tcp: { maxConnectionsPerSource: 1 }, doh: { trustedProxies: [HOST] } })
    const a = await open(trusted.http)
    const b = await open(trusted.http)
    b.write(`GET /dns-query?dns=${b64(query())} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`)
    const [head] = (await once(b, 'data')) as [Buffer]
    expect(head.toString()).toMatch(/^HTTP\/1\.1 200/)
    expect(trusted.counters.socket.tcpRejectedPerSource).toBe(0)
    a.destroy()
    b.destroy()
  })

  it('applies the RRL per source with 429, and serves again once the bucket refills', async () => {
    let now = 0
    const { http, counters } = await start({
      rrl: { enabled: true, responsesPerSecond: 2, burst: 2 },
      rrlClock: { now: () => now },
    })
    const statuses: number[] = []
    for (let i = 0; i < 4; i++) {
      statuses.push((await h1(http, `/dns-query?dns=${b64(query())}`, { tls: false })).status)
    }
    expect(statuses).toEqual([200, 200, 429, 429])
    expect(counters.socket.dohRateLimited).toBe(2)
    now += 1000
    expect((await h1(http, `/dns-query?dns=${b64(query())}`, { tls: false })).status).toBe(200)
  })

  it('survives garbage: random bodies, bad base64, raw bytes on the sockets', async () => {
    const { https, http, udp } = await start()
    for (let i = 0; i < 40; i++) {
      const body = randomBytes(1 + ((i * 97) % 600))
      const post = await h1(i % 2 ? https : http, '/dns-query', {
        tls: i % 2 === 1,
        method: 'POST',
        headers: { 'content-type': 'application/dns-message' },
        body,
      })
      expect([200, 400]).toContain(post.status)
      const get = await h1(http, `/dns-query?dns=${encodeURIComponent(randomBytes(20).toString('latin1'))}`, {
        tls: false,
      })
      expect([200, 400]).toContain(get.status)
    }
    // Raw garbage: on the TLS port (not a handshake) and the plain port (not HTTP).
    for (const [port, tls] of [
      [https, false],
      [http, false],
      [https, true],
    ] as const) {
      const socket = tls
        ? tlsConnect({ host: HOST, port, ca, ALPNProtocols: ['h2'] })
        : netConnect({ host: HOST, port })
      socket.on('error', () => undefined)
      await once(socket, tls ? 'secureConnect' : 'connect')
      socket.write(randomBytes(4096))
      await Promise.race([once(socket, 'close'), new Promise((r) => setTimeout(r, 3000))])
      socket.destroy()
    }
    expect((await h1(https, `/dns-query?dns=${b64(query())}`)).status).toBe(200)
    expect(await udpQuery(HOST, udp, query())).not.toBeNull()
  }, 20_000)

  it('closes HTTP/1.1 clients that trickle their headers past messageTimeoutMs (TLS and plain); others are served', async () => {
    const { https, http, counters } = await start({ tcp: { messageTimeoutMs: 300, idleTimeoutMs: 20_000 } })
    for (const [port, tls] of [
      [https, true],
      [http, false],
    ] as const) {
      const socket = tls
        ? tlsConnect({ host: HOST, port, ca, ALPNProtocols: ['http/1.1'] })
        : netConnect({ host: HOST, port })
      socket.on('error', () => undefined)
      await once(socket, tls ? 'secureConnect' : 'connect')
      socket.write('GET /dns-query?dns=AAAA HTTP/1.1\r\n')
      // A header line every 100 ms: never idle, never complete.
      const trickle = setInterval(() => socket.writable && socket.write('x-slow: 1\r\n'), 100)
      const closed = await Promise.race([
        new Promise<boolean>((resolve) => socket.once('close', () => resolve(true))),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000)),
      ])
      clearInterval(trickle)
      socket.destroy()
      expect({ tls, closed }).toEqual({ tls, closed: true })
      expect((await h1(port, `/dns-query?dns=${b64(query())}`, { tls })).status).toBe(200)
    }
    expect(counters.socket.tcpMessageTimeouts).toBeGreaterThanOrEqual(1)
  }, 25_000)

  it('reloads certificates on file change; a broken pair keeps the old one', async () => {
    const { https } = await start()
    const servedCn = async (): Promise<string> => {
      const socket = tlsConnect({ host: HOST, port: https, rejectUnauthorized: false })
      await once(socket, 'secureConnect')
      const cn = String(socket.getPeerCertificate().subject.CN)
      socket.destroy()
      return cn
    }
    expect(await servedCn()).toBe('ns1.nines.test')
    const next = selfSigned(dir, 'next', ['rotated.nines.test'])
    // Atomic replace, as cert managers do: key first, then the certificate.
    renameSync(next.keyFile, join(dir, 'ns1.key.tmp'))
    renameSync(join(dir, 'ns1.key.tmp'), cert.keyFile)
    renameSync(next.certFile, join(dir, 'ns1.crt.tmp'))
    renameSync(join(dir, 'ns1.crt.tmp'), cert.certFile)
    let cn = ''
    for (let i = 0; i < 100 && cn !== 'rotated.nines.test'; i++) {
      cn = await servedCn()
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(cn).toBe('rotated.nines.test')
    // A broken pair (certificate without its key): the rotated one stays.
    writeFileSync(cert.certFile, 'not a certificate')
    await expect(server!.reloadCertificates()).rejects.toThrow(/cannot use|certificate/i)
    expect(await servedCn()).toBe('rotated.nines.test')
    // Heal: the original pair back, and it is served again.
    const healed = selfSigned(dir, 'ns1', ['ns1.nines.test', HOST])
    expect(healed.certFile).toBe(cert.certFile)
    ca = readFileSync(cert.certFile)
    await server!.reloadCertificates()
    expect(await servedCn()).toBe('ns1.nines.test')
    expect((await h1(https, `/dns-query?dns=${b64(query())}`)).status).toBe(200)
  }, 15_000)
})
