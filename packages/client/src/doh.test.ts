// DoH, both forms, against the real nines-dns DoH listener (in-process, certificates from openssl): the
// wire form (RFC 8484, POST and GET) through @nines/client/node, the JSON form through the browser
// entry's `dohJson` with undici's fetch (a private CA, as a page would trust the local stack).
import { readFileSync } from 'node:fs'
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { RRType } from '@nines/wire'
import { isNinesError } from '@nines/core'
import { Agent, fetch as undiciFetch } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBrowserResolver, createResolver, dohJson } from './index.js'
import { createNodeResolver, dohAgents, dohQuery } from './node/index.js'
import { APP, APP_V4, APP_V6, ZONE, selfSigned, startSecureServer, type SecureServer } from './testing.js'

let cert: ReturnType<typeof selfSigned>
let ns: [SecureServer, SecureServer]

beforeAll(async () => {
  cert = selfSigned()
  ns = [await startSecureServer(cert), await startSecureServer(cert)]
})
afterAll(async () => {
  for (const { server } of ns) await server.close()
})

/** Stops ns1 (its ports closed: refused) and returns the restart, on the same ports. */
async function stopNs1(): Promise<() => Promise<void>> {
  await ns[0].server.close()
  return async () => {
    ns[0] = await startSecureServer(cert, ns[0].ports)
  }
}

describe('DoH wire (RFC 8484) from Node', () => {
  it('answers over POST with a private CA; a stopped or wrong endpoint moves on; restarted, it answers', async () => {
    const [one, two] = [ns[0].doh, ns[1].doh]
    const resolver = createNodeResolver({ nameservers: [one, two], ca: cert.ca, staggerMs: 5000 })
    expect(await resolver.resolve(APP, 'AAAA')).toMatchObject({
      nameserver: one,
      records: [{ data: APP_V6 }],
    })
    expect(await resolver.resolve(`nope.${ZONE}`)).toMatchObject({ nameserver: one, rcode: 3, ttl: 5 })

    // A path the listener does not serve: HTTP 404, a bad answer, the next one is asked at once.
    const wrong = one.replace('/dns-query', '/nope')
    const misrouted = createNodeResolver({ nameservers: [wrong, two], ca: cert.ca, staggerMs: 5000 })
    expect(await misrouted.resolve(APP)).toMatchObject({ nameserver: two })
    expect(misrouted.stats()[0]).toMatchObject({ failed: 1 })
    misrouted.close()

    // ns1 stopped: its keep-alive connection and its port are gone; ns2 answers, without the stagger.
    const restart = await stopNs1()
    const r = await resolver.resolve(`www.${ZONE}`)
    expect(r).toMatchObject({ nameserver: two, rcode: 0 })
    expect(resolver.stats()[0]!.skippedUntil).not.toBeNull()
    await restart()
    const alone = createNodeResolver({ nameservers: [one], ca: cert.ca })
    expect((await alone.resolve(APP)).records.map((rr) => rr.data).sort()).toEqual(APP_V4)
    resolver.close()
    alone.close()
  })

  it('GET ?dns= (unpadded base64url, ID 0) through a forwarding proxy, as an HTTP cache would see it', async () => {
    const seen: { method: string; url: string }[] = []
    const proxy = await forwarder(false, seen)
    const via = proxy.url
    const resolver = createNodeResolver({ nameservers: [via], dohMethod: 'GET' })
    expect(await resolver.resolve(APP, 'AAAA')).toMatchObject({ records: [{ data: APP_V6 }] })
    expect(seen).toHaveLength(1)
    expect(seen[0]!.method).toBe('GET')
    const dns = new URL(seen[0]!.url, 'http://x').searchParams.get('dns')!
    expect(dns).toMatch(/^[A-Za-z0-9_-]+$/) // base64url without '=' padding
    expect(Buffer.from(dns, 'base64url').readUInt16BE(0)).toBe(0)
    resolver.close()
    await proxy.close()

    // And straight to the TLS listener.
    const direct = createNodeResolver({ nameservers: [ns[1].doh], ca: cert.ca, dohMethod: 'GET' })
    expect((await direct.resolve(APP)).records.map((rr) => rr.data).sort()).toEqual(APP_V4)
    direct.close()
    expect(() => createNodeResolver({ nameservers: [ns[1].doh], dohMethod: 'PUT' as 'GET' })).toThrow(
      /dohMethod: expected 'POST' or 'GET', got "PUT"/,
    )
  })

  it('refuses a server whose certificate it does not trust', async () => {
    const resolver = createNodeResolver({ nameservers: [ns[0].doh], timeoutMs: 1000 })
    const error = await resolver.resolve(APP).catch((e: unknown) => e)
    expect(isNinesError(error, 'NINES_ERR_NO_NAMESERVER')).toBe(true)
    expect((error as Error).message).toMatch(/self.signed|certificate/)
    resolver.close()
  })
})

/** A forwarding proxy to ns1's plain-HTTP listener: `tls` makes it HTTPS speaking only HTTP/1.1. */
async function forwarder(tls: boolean, seen: { method: string; url: string }[] = []) {
  const upstream = new URL(ns[0].plain)
  const forward = (req: IncomingMessage, res: ServerResponse) => {
    seen.push({ method: req.method!, url: req.url! })
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode!, up.headers)
        up.pipe(res)
      },
    )
    req.pipe(out)
  }
  const server: Server = tls
    ? createHttpsServer({ key: readFileSync(cert.keyFile), cert: readFileSync(cert.certFile) }, forward)
    : createServer(forward)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as { port: number }).port}/dns-query`
  const close = async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
  return { url, close }
}

describe('DoH over HTTP/2 (the default for https)', () => {
  const ask = (agents: ReturnType<typeof dohAgents>, url: string, name: string, type: number = RRType.A) =>
    dohQuery(new URL(url), agents, { name, type }, AbortSignal.timeout(5000))

  it('asks many questions at once on one session; a stopped server drops it, restarted a new one answers', async () => {
    const agents = dohAgents(cert.ca)
    const names = Array.from({ length: 12 }, (_, i) => (i === 0 ? APP : `n${i}.${ZONE}`))
    const replies = await Promise.all(names.map((name) => ask(agents, ns[0].doh, name)))
    expect(replies[0]!.answers.map((r) => r.data).sort()).toEqual(APP_V4)
    expect(replies.slice(1).every((r) => r.rcode === 3)).toBe(true)
    expect(agents.h2!.opened).toBe(1) // negotiated h2 once, every question on that session
    expect((await ask(agents, ns[0].doh, APP, RRType.AAAA)).answers[0]!.data).toBe(APP_V6)
    expect(agents.h2!.opened).toBe(1)

    const restart = await stopNs1()
    await expect(ask(agents, ns[0].doh, APP)).rejects.toMatchObject({ code: 'NINES_ERR_BAD_ANSWER' })
    await restart()
    expect((await ask(agents, ns[0].doh, APP)).answers).toHaveLength(2)
    expect(agents.h2!.opened).toBe(2)
    agents.destroy()
  })

  it('falls back to HTTP/1.1 keep-alive for a server that does not offer h2, and with dohHttp2: false', async () => {
    const h1 = await forwarder(true)
    const agents = dohAgents(cert.ca)
    expect((await ask(agents, h1.url, APP)).answers).toHaveLength(2)
    expect((await ask(agents, h1.url, APP, RRType.AAAA)).answers[0]!.data).toBe(APP_V6)
    expect(agents.h2!.opened).toBe(0)
    agents.destroy()
    await h1.close()
    const noH2 = dohAgents(cert.ca, { http2: false })
    expect(noH2.h2).toBeUndefined()
    expect((await ask(noH2, ns[1].doh, APP)).answers).toHaveLength(2)
    noH2.destroy()
  })
})

describe('DoH JSON (the browser entry)', () => {
  let dispatcher: Agent
  beforeAll(() => {
    dispatcher = new Agent({ connect: { ca: cert.ca } as never })
  })
  afterAll(() => dispatcher.close())
  const fetchWithCa = ((url: string, init: object) =>
    undiciFetch(url, { ...init, dispatcher } as never)) as unknown as typeof fetch

  it('createBrowserResolver asks the JSON endpoints, fails over when one is stopped, then heals', async () => {
    const [one, two] = [ns[0].json, ns[1].json]
    const resolver = createBrowserResolver({ servers: [one, two], fetch: fetchWithCa, staggerMs: 5000 })
    const a = await resolver.resolve(`www.${ZONE}`)
    expect(a.nameserver).toBe(one)
    expect(a.records.map((r) => r.data)).toContain(APP) // names in data lose the trailing dot
    expect(await resolver.resolve(`nope.${ZONE}`)).toMatchObject({ rcode: 3, ttl: 5 })

    // The wire path is not JSON: a bad answer, and the next server answers.
    const wrong = createResolver({
      nameservers: [ns[0].doh, two],
      transport: dohJson({ fetch: fetchWithCa }),
      staggerMs: 5000,
    })
    expect((await wrong.resolve(APP)).nameserver).toBe(two)
    wrong.close()

    const restart = await stopNs1()
    expect((await resolver.resolve(APP, 'AAAA')).nameserver).toBe(two)
    await restart()
    const alone = createResolver({ nameservers: [one], transport: dohJson({ fetch: fetchWithCa }) })
    expect((await alone.resolve(APP)).records).toHaveLength(2)
    resolver.close()
    alone.close()
  })
})
