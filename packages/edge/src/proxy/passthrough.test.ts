import { once } from 'node:events'
import { request, type ClientRequest, type IncomingMessage } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { edge, pool, recordingUpstream, send, waitFor } from './edge-testing.js'
import { cleanups, listen, runCleanups } from './testing.js'

afterEach(runCleanups)

/** A request whose body the test writes itself (and may never end); `response` resolves with the head. */
function upload(port: number, headers: Record<string, string>) {
  const req: ClientRequest = request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/up',
    headers,
    agent: false,
  })
  req.on('error', () => {}) // the router closes the connection after a 413
  cleanups.push(() => void req.destroy())
  const response = once(req, 'response').then(([res]) => res as IncomingMessage)
  return { req, response }
}

async function bodyOf(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of res) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString()
}

/** An upstream that counts request body bytes as they arrive and answers once the body ends. */
async function countingUpstream(answerEarly = false) {
  const state = { received: 0, requests: 0, ended: 0, aborted: 0 }
  const { port } = await listen((req, res) => {
    state.requests++
    if (answerEarly) res.writeHead(200, { 'content-type': 'text/plain' }).write('started;')
    req.on('data', (chunk: Buffer) => (state.received += chunk.length))
    req.on('end', () => {
      state.ended++
      res.end('done')
    })
    req.on('close', () => {
      if (!req.complete) state.aborted++
    })
  })
  return { port, state }
}

describe('server-sent events', () => {
  it('relays each event as it is written, while the upstream keeps the stream open', async () => {
    let release!: () => void
    const released = new Promise<void>((resolve) => (release = resolve))
    const { port } = await listen((_, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
      res.write('data: one\n\n')
      // The second event waits until the client has read the first: a buffering proxy would hang here.
      void released.then(() => res.end('data: two\n\n'))
    })
    const front = await edge(pool(port))
    let first = ''
    const reply = await send(front.port, { headers: { accept: 'text/event-stream' } }, (res) =>
      res.once('data', (chunk: Buffer) => {
        first = chunk.toString()
        release()
      }),
    )
    expect(first).toBe('data: one\n\n')
    expect(reply.headers['content-type']).toBe('text/event-stream')
    expect(reply.body.toString()).toBe('data: one\n\ndata: two\n\n')
  })

  it('keeps a quiet event stream past the body timeout, which still cuts an ordinary response', async () => {
    const { port } = await listen((_, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: one\n\n')
      // Quiet for 20× the pool's body timeout: undici's body timer ticks every ~0.5 s, so it fires by ~1.5 s.
      setTimeout(() => res.end('data: two\n\n'), 2000)
    })
    const front = await edge(pool(port, { bodyTimeoutMs: 100 }), { perTryTimeoutMs: 100 })
    const [stream, ordinary] = await Promise.allSettled([
      send(front.port, { headers: { accept: 'text/event-stream' } }),
      send(front.port, { headers: { accept: '*/*' } }),
    ])
    expect(stream.status === 'fulfilled' && stream.value.body.toString()).toBe('data: one\n\ndata: two\n\n')
    // The same quiet response to a client that did not ask for an event stream is cut by the body timeout.
    expect(ordinary.status).toBe('rejected')
    await waitFor(() => front.results.length === 2)
    expect(front.results).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ outcome: 'status', complete: true }),
        expect.objectContaining({ outcome: 'per-try-timeout', responseStarted: true, complete: false }),
      ]),
    )
  }, 15_000)
})

describe('trailers and Expect', () => {
  it('relays the trailers an upstream announced, on a chunked response', async () => {
    const { port } = await listen((_, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' })
      res.write('abc')
      res.addTrailers({ 'x-checksum': 'c0ffee' })
      res.end()
    })
    const front = await edge(pool(port))
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      request({ host: '127.0.0.1', port: front.port, agent: false }, resolve).on('error', reject).end(),
    )
    expect(await bodyOf(res)).toBe('abc')
    expect(res.headers['trailer']).toBe('x-checksum')
    expect(res.headers['transfer-encoding']).toBe('chunked')
    expect(res.trailers).toEqual({ 'x-checksum': 'c0ffee' })
  })

  it('gets a request with Expect: 100-continue through, without sending Expect upstream', async () => {
    const up = await recordingUpstream()
    const front = await edge(pool(up.port))
    const body = Buffer.alloc(2048, 0x63)
    const req = request({
      host: '127.0.0.1',
      port: front.port,
      method: 'POST',
      headers: { expect: '100-continue', 'content-length': String(body.length) },
      agent: false,
    })
    let continued = false
    req.on('continue', () => {
      continued = true
      req.end(body) // curl and Node's client wait for the 100 before sending a body
    })
    const [res] = (await once(req, 'response')) as [IncomingMessage]
    expect(await bodyOf(res)).toBe('ok')
    expect(res.statusCode).toBe(200)
    expect(continued).toBe(true)
    expect(up.seen[0]!.bytes).toBe(2048)
    expect(up.seen[0]!.headers['expect']).toBeUndefined()
  })
})

describe('client body limit (maxBodyBytes)', () => {
  it('answers 413 to a Content-Length over the limit before reading or sending anything; smaller bodies pass', async () => {
    const up = await countingUpstream()
    const front = await edge(pool(up.port), { maxBodyBytes: 1000 })
    const big = upload(front.port, { 'content-length': '5000', 'x-request-id': 'big-1' })
    big.req.write(Buffer.alloc(100))
    const res = await big.response
    expect(res.statusCode).toBe(413)
    expect(res.headers['x-request-id']).toBe('big-1')
    expect(res.headers['connection']).toBe('close')
    expect(front.bodies[0]!.kind).toBe('too-large')
    expect(up.state.requests).toBe(0)

    const reply = await send(front.port, { method: 'POST', body: Buffer.alloc(1000) })
    expect(reply.status).toBe(200)
    expect(up.state.received).toBe(1000)
  })

  it('answers 413 to a chunked body that passes the limit while it is kept, sending nothing', async () => {
    const up = await countingUpstream()
    const front = await edge(pool(up.port), { maxBodyBytes: 1000 })
    const chunked = upload(front.port, { 'transfer-encoding': 'chunked' })
    chunked.req.write(Buffer.alloc(600))
    chunked.req.write(Buffer.alloc(600))
    expect((await chunked.response).statusCode).toBe(413)
    expect(up.state.requests).toBe(0)

    const reply = await send(front.port, {
      method: 'POST',
      body: Buffer.alloc(900),
      headers: { 'transfer-encoding': 'chunked' },
    })
    expect(reply.status).toBe(200)
    expect(up.state.received).toBe(900)
  })

  it('aborts the upstream request when a streamed body passes the limit mid-stream, and answers 413', async () => {
    const up = await countingUpstream()
    const front = await edge(pool(up.port), { maxBodyBytes: 100_000 })
    const streamed = upload(front.port, { 'transfer-encoding': 'chunked' })
    streamed.req.write(Buffer.alloc(70_000)) // past the 64 KB replay limit: streamed
    await waitFor(() => up.state.received > 0)
    streamed.req.write(Buffer.alloc(40_000))
    expect((await streamed.response).statusCode).toBe(413)
    await waitFor(() => up.state.aborted === 1)
    expect(up.state.received).toBeLessThanOrEqual(100_000)
    expect(up.state.ended).toBe(0)
    expect(front.bodies[0]!.kind).toBe('stream')
    expect(front.results[0]).toMatchObject({ outcome: 'too-large', responseStarted: false })

    const reply = await send(front.port, {
      method: 'POST',
      body: Buffer.alloc(90_000),
      headers: { 'transfer-encoding': 'chunked' },
    })
    expect(reply.status).toBe(200)
    expect(up.state.ended).toBe(1)
  })

  it('destroys the client connection when the limit is passed after the response head was relayed', async () => {
    const up = await countingUpstream(true)
    const front = await edge(pool(up.port), { maxBodyBytes: 100_000 })
    const streamed = upload(front.port, { 'transfer-encoding': 'chunked' })
    streamed.req.write(Buffer.alloc(70_000))
    const res = await streamed.response
    expect(res.statusCode).toBe(200)
    res.on('error', () => {})
    const closedEarly = new Promise<boolean>((resolve) => {
      res.on('end', () => resolve(false))
      res.on('aborted', () => resolve(true))
    })
    streamed.req.write(Buffer.alloc(40_000))
    expect(await closedEarly).toBe(true)
    await waitFor(() => front.results.length === 1)
    expect(front.results[0]).toMatchObject({ outcome: 'too-large', responseStarted: true, complete: false })
    await waitFor(() => up.state.aborted === 1)
  })

  it('keeps the client answerable when an attempt times out mid-upload behind the limit', async () => {
    const up = await countingUpstream()
    const front = await edge(pool(up.port), { maxBodyBytes: 1_000_000, perTryTimeoutMs: 200 })
    const streamed = upload(front.port, { 'transfer-encoding': 'chunked' })
    streamed.req.write(Buffer.alloc(70_000)) // streamed, never ended: the upstream never answers
    const res = await streamed.response
    expect(res.statusCode).toBe(502)
    expect(res.headers['x-outcome']).toBe('per-try-timeout')
    await waitFor(() => up.state.aborted === 1)
    expect(up.state.received).toBeGreaterThan(0)
  })
})
