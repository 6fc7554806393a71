import { request } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { edge, pool, recordingUpstream, send, waitFor } from './edge-testing.js'
import { listen, runCleanups } from './testing.js'

afterEach(runCleanups)

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
