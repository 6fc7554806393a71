// DoH, both forms, against a minimal HTTPS wrapper of the real query handler: a stand-in until nines-dns
// has its own DoH listener. The wire form (RFC 8484) through @nines/client/node, the JSON form through
// the browser entry's `dohJson` with undici's fetch (a private CA, as a page would trust the local stack).
import { execFile } from 'node:child_process'
import { mkdtemp, readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { isNinesError } from '@nines/core'
import { RRType, decodeMessage, encodeQuery } from '@nines/wire'
import { Agent, fetch as undiciFetch } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createBrowserResolver, createResolver, dohJson } from './index.js'
import { createNodeResolver } from './node/index.js'
import { APP, APP_V4, APP_V6, ZONE, zoneHandler } from './testing.js'

const run = promisify(execFile)
type Mode = 'ok' | 'garbage' | 'http-500'

let ca: string
let servers: { server: Server; base: string; state: { mode: Mode }; hits: { n: number } }[] = []

async function doh(key: string, cert: string) {
  const handler = zoneHandler()
  const state = { mode: 'ok' as Mode }
  const hits = { n: 0 }
  const client = { address: '127.0.0.1', family: 4 as const, port: 1 }
  const server = createServer({ key, cert }, (req, res) => {
    hits.n++
    const url = new URL(req.url ?? '/', 'https://x')
    if (state.mode === 'http-500') return res.writeHead(500).end('no')
    if (req.method === 'POST' && url.pathname === '/dns-query') {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        const reply = handler(Buffer.concat(chunks), client, 'tcp')
        const body = state.mode === 'garbage' ? Buffer.from([0, 0, 0x81]) : reply!
        res.writeHead(200, { 'content-type': 'application/dns-message' }).end(body)
      })
      return
    }
    if (url.pathname === '/resolve') {
      const type = url.searchParams.get('type') ?? 'A'
      const query = encodeQuery({
        id: 1,
        name: url.searchParams.get('name')!,
        type: RRType[type as 'A'] ?? Number(type),
      })
      const m = decodeMessage(handler(query, client, 'tcp')!)
      const record = (r: (typeof m.answers)[number]) => ({
        name: `${r.name}.`,
        type: r.type,
        TTL: r.ttl,
        data: r.data,
      })
      const json = {
        Status: m.rcode,
        TC: m.tc,
        Question: m.question.map((q) => ({ name: `${q.name}.`, type: q.type })),
        Answer: m.answers.map(record),
        Authority: m.authority.map(record),
      }
      res.writeHead(200, { 'content-type': 'application/dns-json' })
      return res.end(state.mode === 'garbage' ? '{"Status": 0, "Answer": [{"name": 7}' : JSON.stringify(json))
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, base: `https://127.0.0.1:${(server.address() as { port: number }).port}`, state, hits }
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'nines-client-'))
  const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')]
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
    '-keyout',
    key,
    '-out',
    cert,
  ])
  ca = await readFile(cert, 'utf8')
  const keyPem = await readFile(key, 'utf8')
  servers = [await doh(keyPem, ca), await doh(keyPem, ca)]
})
afterAll(async () => {
  for (const { server } of servers) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

describe('DoH wire (RFC 8484) from Node', () => {
  it('answers over POST with a private CA; a bad or failing server moves on; healed, it answers', async () => {
    const [one, two] = servers.map((s) => `${s.base}/dns-query`) as [string, string]
    const resolver = createNodeResolver({ nameservers: [one, two], ca, staggerMs: 5000 })
    const a = await resolver.resolve(APP, 'AAAA')
    expect(a).toMatchObject({ nameserver: one, records: [{ data: APP_V6 }] })
    for (const mode of ['garbage', 'http-500'] as const) {
      servers[0]!.state.mode = mode
      const r = await resolver.resolve(`${mode}.${ZONE}`) // a new question each time: not from the cache
      expect(r).toMatchObject({ nameserver: two, rcode: 3 })
      servers[0]!.state.mode = 'ok'
      await new Promise((resolve) => setTimeout(resolve, 0))
    }
    const alone = createNodeResolver({ nameservers: [one], ca })
    servers[0]!.state.mode = 'garbage'
    await expect(alone.resolve(APP)).rejects.toThrow(/malformed reply/)
    servers[0]!.state.mode = 'ok'
    expect((await alone.resolve(APP)).records.map((r) => r.data).sort()).toEqual(APP_V4)
    resolver.close()
    alone.close()
  })

  it('refuses a server whose certificate it does not trust', async () => {
    const resolver = createNodeResolver({ nameservers: [`${servers[0]!.base}/dns-query`], timeoutMs: 1000 })
    const error = await resolver.resolve(APP).catch((e: unknown) => e)
    expect(isNinesError(error, 'NINES_ERR_NO_NAMESERVER')).toBe(true)
    expect((error as Error).message).toMatch(/self.signed|certificate/)
    resolver.close()
  })
})

describe('DoH JSON (the browser entry)', () => {
  let dispatcher: Agent
  beforeAll(() => {
    dispatcher = new Agent({ connect: { ca } as never })
  })
  afterAll(() => dispatcher.close())
  const fetchWithCa = ((url: string, init: object) =>
    undiciFetch(url, { ...init, dispatcher } as never)) as unknown as typeof fetch

  it('createBrowserResolver asks the JSON endpoints, fails over on malformed JSON, then heals', async () => {
    const [one, two] = servers.map((s) => `${s.base}/resolve`) as [string, string]
    const resolver = createBrowserResolver({ servers: [one, two], fetch: fetchWithCa, staggerMs: 5000 })
    const a = await resolver.resolve(`www.${ZONE}`)
    expect(a.nameserver).toBe(one)
    expect(a.records.map((r) => r.data)).toContain(APP) // names in data lose the trailing dot
    expect(await resolver.resolve(`nope.${ZONE}`)).toMatchObject({ rcode: 3, ttl: 5 })

    servers[0]!.state.mode = 'garbage'
    expect((await resolver.resolve(APP, 'AAAA')).nameserver).toBe(two)
    const alone = createResolver({ nameservers: [one], transport: dohJson({ fetch: fetchWithCa }) })
    await expect(alone.resolve(APP)).rejects.toThrow(/the body is not JSON/)
    servers[0]!.state.mode = 'ok'
    expect((await alone.resolve(APP)).records).toHaveLength(2)
    resolver.close()
    alone.close()
  })
})
