import { request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Pool } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { readRequestBody, type RequestBody } from './body.js'
import { forward, type ForwardResult } from './forward.js'
import { upstreamRequestHeaders, viaValue } from './headers.js'
import { requestIdOf } from './request-id.js'
import { createUpstreamPool } from './upstream-pool.js'
import { cleanups, listen, runCleanups } from './testing.js'

afterEach(runCleanups)

function pool(port: number): Pool {
  const p = createUpstreamPool(`http://127.0.0.1:${port}`)
  cleanups.push(() => p.destroy())
  return p
}

interface EdgeOptions {
  readonly trusted?: boolean
  readonly perTryTimeoutMs?: number
  readonly holdStatus?: (status: number) => boolean
  /** Attempts in a row on the same pool with the same body (a stand-in for the retry loop). */
  readonly attempts?: number
  /** A header an earlier stage set on the response before the proxy stage. */
  readonly presetHeader?: boolean
}

/** A minimal edge: headers, body, forward; a failed attempt that sent nothing to the client gets 502 + its outcome. */
async function edge(upstream: Pool, options: EdgeOptions = {}) {
  const results: ForwardResult[] = []
  const bodies: RequestBody[] = []
  const { port } = await listen((req, res) => {
    void (async () => {
      const requestId = requestIdOf(req.headers['x-request-id'])
      const headers = upstreamRequestHeaders({
        rawHeaders: req.rawHeaders,
        peerAddress: req.socket.remoteAddress,
        trusted: options.trusted ?? false,
        proto: 'http',
        requestId,
        via: viaValue(),
      })
      const body = await readRequestBody(req)
      bodies.push(body)
      if (options.presetHeader === true) res.setHeader('x-earlier-stage', 'yes')
      const attempts = options.attempts ?? 1
      let result: ForwardResult | undefined
      for (let attempt = 1; attempt <= attempts; attempt++) {
        result = await forward({
          pool: upstream,
          req,
          res,
          headers,
          body,
          perTryTimeoutMs: options.perTryTimeoutMs ?? 5000,
          holdStatus: attempt < attempts ? options.holdStatus : undefined,
          requestId,
          via: viaValue(),
          debug: { endpoint: 'e1', attempts: attempt },
        })
        results.push(result)
        if (result.responseStarted || result.outcome === 'client-closed') break
      }
      if (result !== undefined && !result.responseStarted && result.outcome !== 'client-closed') {
        res.writeHead(502, { 'x-outcome': result.outcome, 'x-request-id': requestId })
        res.end(result.outcome)
      }
    })()
  })
  return { port, results, bodies }
}

interface Reply {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
}

function send(
  port: number,
  options: {
    method?: string
    path?: string
    headers?: Record<string, string | string[]>
    body?: Buffer
  } = {},
  onResponse?: (res: IncomingMessage) => void,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        onResponse?.(res)
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        )
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

/** An upstream that records each request's head and body byte count, then answers with `answer`. */
async function recordingUpstream(
  answer: (req: IncomingMessage, res: ServerResponse) => void = (_, res) => res.end('ok'),
) {
  const seen: { headers: IncomingHttpHeaders; raw: string[]; bytes: number; body: Buffer }[] = []
  const { port } = await listen((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      seen.push({ headers: req.headers, raw: req.rawHeaders, bytes: body.length, body })
      answer(req, res)
    })
  })
  return { port, seen }
}

/** Waits for a condition that follows an event the test cannot await directly (no deadline: vitest's own applies). */
async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve))
}

describe('forward', () => {
  it('relays a small GET with its status, body and every set-cookie, without hop-by-hop headers', async () => {
    const up = await recordingUpstream((_, res) => {
      res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/'])
      res.setHeader('connection', 'keep-alive, x-upstream-hop')
      res.setHeader('x-upstream-hop', 'secret')
      res.setHeader('keep-alive', 'timeout=5')
      res.setHeader('x-request-id', 'upstream-made-this')
      res.writeHead(201, { 'content-type': 'text/plain' })
      res.end('hello')
    })
    const front = await edge(pool(up.port))
    const reply = await send(front.port, { path: '/a?b=c' })
    expect(reply.status).toBe(201)
    expect(reply.body.toString()).toBe('hello')
    expect(reply.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Path=/'])
    expect(reply.headers['x-upstream-hop']).toBeUndefined()
    expect(reply.headers['via']).toBe('1.1 nines-edge')
    expect(reply.headers['x-nines-endpoint']).toBe('e1')
    expect(reply.headers['x-nines-attempts']).toBe('1')
    expect(reply.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(reply.headers['x-request-id']).toBe(up.seen[0]!.headers['x-request-id'])
    expect(front.bodies[0]!.kind).toBe('none')
    const [result] = front.results
    expect(result).toMatchObject({
      outcome: 'status',
      status: 201,
      held: false,
      responseStarted: true,
      complete: true,
    })
    expect(result!.bytesSent).toBeGreaterThan(0)
  })

  it('keeps every set-cookie when an earlier stage already set a response header', async () => {
    const up = await recordingUpstream((_, res) => {
      res.setHeader('set-cookie', ['a=1', 'b=2'])
      res.end('ok')
    })
    const front = await edge(pool(up.port), { presetHeader: true })
    const reply = await send(front.port)
    expect(reply.headers['x-earlier-stage']).toBe('yes')
    expect(reply.headers['set-cookie']).toEqual(['a=1', 'b=2'])
  })

  it('streams a 1 MB response: the first chunk reaches the client before the upstream has written the rest', async () => {
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    const chunk = Buffer.alloc(65536, 0x61)
    const { port } = await listen((_, res) => {
      res.writeHead(200, { 'content-length': String(16 * chunk.length) })
      res.write(chunk)
      // The rest is written only once the client has seen data: a proxy that buffered would never get here.
      void released.then(() => {
        for (let i = 1; i < 16; i++) res.write(chunk)
        res.end()
      })
    })
    const front = await edge(pool(port))
    const reply = await send(front.port, {}, (res) => res.once('data', () => release()))
    expect(reply.status).toBe(200)
    expect(reply.body.length).toBe(16 * 65536)
    expect(front.results[0]).toMatchObject({ outcome: 'status', complete: true })
  })

  it('streams a POST body larger than the replay limit once, and counts what reached the upstream', async () => {
    const up = await recordingUpstream()
    const front = await edge(pool(up.port))
    const body = Buffer.alloc(200_000, 0x62)
    const reply = await send(front.port, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/octet-stream' },
    })
    expect(reply.status).toBe(200)
    expect(up.seen[0]!.bytes).toBe(200_000)
    expect(front.bodies[0]!.kind).toBe('stream')
    expect(front.results[0]!.bytesSent).toBeGreaterThan(200_000)
  })

  it('streams a chunked POST past the replay limit with the bytes read while deciding put back first', async () => {
    const up = await recordingUpstream()
    const front = await edge(pool(up.port))
    const body = Buffer.from(Array.from({ length: 100_000 }, (_, i) => i % 251))
    const reply = await send(front.port, {
      method: 'POST',
      body,
      headers: { 'transfer-encoding': 'chunked' },
    })
    expect(reply.status).toBe(200)
    expect(front.bodies[0]!.kind).toBe('stream')
    expect(up.seen[0]!.body.equals(body)).toBe(true)
  })

  it('keeps a small body so a second attempt sends the same bytes after a held 503', async () => {
    let calls = 0
    const up = await recordingUpstream((_, res) => {
      calls++
      if (calls === 1) res.writeHead(503, { 'retry-after': '2' }).end('busy')
      else res.end('done')
    })
    const front = await edge(pool(up.port), { attempts: 2, holdStatus: (s) => s === 503 })
    const body = Buffer.from('{"pay":42}')
    const reply = await send(front.port, {
      method: 'PUT',
      body,
      headers: { 'content-type': 'application/json' },
    })
    expect(reply.status).toBe(200)
    expect(reply.body.toString()).toBe('done')
    expect(reply.headers['x-nines-attempts']).toBe('2')
    expect(front.bodies[0]!.kind).toBe('kept')
    expect(up.seen.map((s) => s.body.toString())).toEqual([body.toString(), body.toString()])
    expect(front.results[0]).toMatchObject({
      outcome: 'status',
      status: 503,
      held: true,
      retryAfter: '2',
      responseStarted: false,
    })
  })

  it('reports connect-refused on a closed port, with nothing sent', async () => {
    const { server, port } = await listen(() => {})
    await new Promise((resolve) => server.close(resolve))
    const front = await edge(pool(port))
    const reply = await send(front.port)
    expect(reply.status).toBe(502)
    expect(front.results[0]).toMatchObject({
      outcome: 'connect-refused',
      bytesSent: 0,
      responseStarted: false,
    })
  })

  it('reports per-try-timeout for an upstream that never answers, after the request reached it', async () => {
    const { port } = await listen(() => {})
    const front = await edge(pool(port), { perTryTimeoutMs: 100 })
    const reply = await send(front.port)
    expect(reply.headers['x-outcome']).toBe('per-try-timeout')
    expect(front.results[0]!.bytesSent).toBeGreaterThan(0)
    expect(front.results[0]!.responseStarted).toBe(false)
  })

  it('reports reset with bytes sent when the upstream drops the connection after reading the body', async () => {
    let received = 0
    const { port } = await listen((req) => {
      req.on('data', (chunk: Buffer) => (received += chunk.length))
      req.on('end', () => req.socket.destroy())
    })
    const front = await edge(pool(port))
    const reply = await send(front.port, { method: 'POST', body: Buffer.from('order=1') })
    expect(reply.headers['x-outcome']).toBe('reset')
    expect(received).toBe(7)
    expect(front.results[0]!.bytesSent).toBeGreaterThan(7)
  })
  it('destroys the client connection and reports reset when the upstream breaks mid-body', async () => {
    const { port } = await listen((_, res) => {
      res.writeHead(200, { 'content-length': '100000' })
      res.write(Buffer.alloc(1000), () => res.socket?.destroy())
    })
    const front = await edge(pool(port))
    await expect(send(front.port)).rejects.toThrow()
    await waitFor(() => front.results.length === 1)
    expect(front.results[0]).toMatchObject({
      outcome: 'reset',
      status: 200,
      responseStarted: true,
      complete: false,
    })
  })

  it('aborts the upstream request and reports client-closed when the client leaves', async () => {
    let upstreamClosed!: () => void
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve))
    let arrived!: () => void
    const reached = new Promise<void>((resolve) => (arrived = resolve))
    const { port } = await listen((req) => {
      req.socket.on('close', () => upstreamClosed())
      arrived()
    })
    const front = await edge(pool(port))
    const req = request({ host: '127.0.0.1', port: front.port, agent: false })
    req.on('error', () => {})
    req.end()
    await reached
    req.destroy()
    await closed // the router gave up the upstream request, not only the client
    await waitFor(() => front.results.length === 1)
    expect(front.results[0]).toMatchObject({ outcome: 'client-closed', responseStarted: false })
  })
})

describe('forwarding headers', () => {
  it('drops hop-by-hop and Connection-named headers and adds forwarding headers, Via and the kept request id', async () => {
    const up = await recordingUpstream()
    const front = await edge(pool(up.port))
    const reply = await send(front.port, {
      headers: {
        host: 'app.nines.test',
        connection: 'keep-alive, x-client-hop',
        'x-client-hop': 'no',
        te: 'trailers',
        'proxy-authorization': 'Basic eA==',
        'x-forwarded-for': '203.0.113.9',
        forwarded: 'for=203.0.113.9',
        'x-request-id': 'abc-123.x=y:z',
        'x-end-to-end': 'yes',
      },
    })
    expect(reply.headers['x-request-id']).toBe('abc-123.x=y:z')
    const { headers } = up.seen[0]!
    expect(headers['x-client-hop']).toBeUndefined()
    expect(headers['te']).toBeUndefined()
    expect(headers['proxy-authorization']).toBeUndefined()
    expect(headers['x-end-to-end']).toBe('yes')
    expect(headers['host']).toBe('app.nines.test')
    expect(headers['x-forwarded-for']).toBe('127.0.0.1')
    expect(headers['x-forwarded-proto']).toBe('http')
    expect(headers['x-forwarded-host']).toBe('app.nines.test')
    expect(headers['forwarded']).toBe('for=127.0.0.1;proto=http;host=app.nines.test')
    expect(headers['via']).toBe('1.1 nines-edge')
    expect(headers['x-request-id']).toBe('abc-123.x=y:z')
  })

  it('extends the X-Forwarded-For and Forwarded of a trusted proxy', async () => {
    const up = await recordingUpstream()
    const front = await edge(pool(up.port), { trusted: true })
    await send(front.port, {
      headers: {
        host: 'app.nines.test',
        'x-forwarded-for': '203.0.113.9',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'www.example.test',
        forwarded: 'for=203.0.113.9;proto=https',
      },
    })
    const { headers } = up.seen[0]!
    expect(headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1')
    expect(headers['x-forwarded-proto']).toBe('https')
    expect(headers['x-forwarded-host']).toBe('www.example.test')
    expect(headers['forwarded']).toBe(
      'for=203.0.113.9;proto=https, for=127.0.0.1;proto=http;host=app.nines.test',
    )
  })

  it('replaces an insane request id with a generated one, sent both ways', async () => {
    const up = await recordingUpstream()
    const front = await edge(pool(up.port))
    const reply = await send(front.port, { headers: { 'x-request-id': 'bad id\u00e9' } })
    expect(reply.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(up.seen[0]!.headers['x-request-id']).toBe(reply.headers['x-request-id'])
  })
})
