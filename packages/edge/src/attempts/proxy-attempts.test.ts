import { request, type IncomingMessage } from 'node:http'
import { seededRng, systemClock, type Endpoint } from '@nines/core'
import type { Dispatcher } from 'undici'
import { afterEach, describe, expect, it } from 'vitest'
import { balanceSchema } from '../balance/schema.js'
import { createBalancer } from '../balance/balancer.js'
import type { Candidate } from '../balance/types.js'
import { Ejector } from '../eject/ejector.js'
import { viaValue } from '../proxy/headers.js'
import { requestIdOf } from '../proxy/request-id.js'
import { createUpstreamPool } from '../proxy/upstream-pool.js'
import { RetryBudget } from '../retry/budget.js'
import type { RetryBudgetOptionsInput } from '../retry/options.js'
import { routeSchema } from '../routes/route-schema.js'
import { proxyAttempts, type AttemptsResult } from './proxy-attempts.js'
import { cleanups, listen, runCleanups, type Handler } from '../proxy/testing.js'

afterEach(runCleanups)

/** A port nothing listens on any more: connections to it are refused. */
async function closedPort(): Promise<number> {
  const { server, port } = await listen(() => {})
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** An upstream that counts requests by method and answers with `answer` once the body has arrived. */
async function upstream(answer: Handler = (_, res) => res.end('ok')) {
  const methods: string[] = []
  const { port } = await listen((req, res) => {
    req.resume()
    req.on('end', () => {
      methods.push(req.method ?? '')
      answer(req, res)
    })
  })
  return { port, methods }
}

interface Upstream {
  readonly id: string
  readonly port: number
  /** Round robin: the heaviest goes first. */
  readonly weight: number
  readonly stack?: string
}

/** The pool's stages, wired as the README says, and a front server calling proxyAttempts on raw req/res. */
async function edge(
  upstreams: Upstream[],
  route: object = {},
  budgetOptions: RetryBudgetOptionsInput = {},
  maxBodyBytes?: number,
) {
  const clock = systemClock()
  const endpoints: Endpoint[] = upstreams.map((u) => ({
    id: u.id,
    address: '127.0.0.1',
    port: u.port,
    weight: u.weight,
    labels: u.stack === undefined ? {} : { stack: u.stack },
  }))
  const candidates: Candidate[] = endpoints.map((endpoint) => ({ endpoint, outstanding: 0 }))
  const balancer = createBalancer(balanceSchema.parse({ kind: 'round-robin' }), { clock, rng: seededRng(1) })
  balancer.update(candidates.map((candidate) => ({ candidate, state: 'up' as const })))
  const ejector = new Ejector({ pool: 'app', endpointIds: endpoints.map((e) => e.id), clock })
  cleanups.push(() => ejector.close())
  const budget = new RetryBudget(budgetOptions)
  const pools = new Map<string, Dispatcher>()
  for (const e of endpoints) {
    const p = createUpstreamPool(`http://127.0.0.1:${e.port}`)
    pools.set(e.id, p)
    cleanups.push(() => p.destroy())
  }
  const parsed = routeSchema.parse({ host: 'app.nines.test', pool: 'app', ...route })
  const results: AttemptsResult[] = []
  const { port } = await listen((req, res) => {
    void (async () => {
      const requestId = requestIdOf(req.headers['x-request-id'])
      const result = await proxyAttempts({
        req,
        res,
        route: parsed,
        pool: { balancer, ejector, budget, upstreams: pools },
        clock,
        requestId,
        via: viaValue(),
        debug: true,
        maxBodyBytes,
      })
      results.push(result)
      // The outermost stage's part: answer what the loop gave up on.
      if (!result.served && result.status !== undefined) {
        if (res.headersSent) return void res.destroy()
        const close = result.status === 413 ? { connection: 'close' } : {}
        res.writeHead(result.status, { 'x-request-id': requestId, 'x-reason': result.reason, ...close })
        res.end(`${result.status}\n`)
      }
    })()
  })
  return { port, results, candidates, budget }
}

function send(
  port: number,
  options: { method?: string; body?: Buffer } = {},
): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: options.method ?? 'GET', path: '/', agent: false },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        )
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

describe('proxyAttempts', () => {
  it('retries a GET refused by one upstream on another: attempts = 2', async () => {
    const good = await upstream()
    const front = await edge([
      { id: 'refusing', port: await closedPort(), weight: 5 },
      { id: 'good', port: good.port, weight: 1 },
    ])
    const reply = await send(front.port)
    expect(reply.status).toBe(200)
    expect(reply.body).toBe('ok')
    expect(reply.headers['x-nines-endpoint']).toBe('good')
    expect(reply.headers['x-nines-attempts']).toBe('2')
    expect(front.results[0]).toMatchObject({
      served: true,
      attempts: 2,
      endpoint: 'good',
      retries: ['nothing-sent'],
    })
    expect(front.candidates.map((c) => c.outstanding)).toEqual([0, 0])
    expect(front.budget.activeRetries).toBe(0)
  })

  it('retries a GET answered 503 elsewhere; the client never sees the 503', async () => {
    const busy = await upstream((_, res) => res.writeHead(503).end('busy'))
    const good = await upstream()
    const front = await edge([
      { id: 'busy', port: busy.port, weight: 5 },
      { id: 'good', port: good.port, weight: 1 },
    ])
    const reply = await send(front.port)
    expect(reply.status).toBe(200)
    expect(reply.body).toBe('ok')
    expect(busy.methods).toEqual(['GET'])
    expect(front.results[0]).toMatchObject({ served: true, attempts: 2, retries: ['gateway-status'] })
  })

  it('does not send a POST twice after a reset that followed its body; the client gets 502', async () => {
    const { port: resetting } = await listen((req) => {
      req.resume()
      req.on('end', () => req.socket.destroy())
    })
    const other = await upstream()
    const front = await edge([
      { id: 'resetting', port: resetting, weight: 5 },
      { id: 'other', port: other.port, weight: 1 },
    ])
    const reply = await send(front.port, { method: 'POST', body: Buffer.from('order=1') })
    expect(reply.status).toBe(502)
    expect(reply.headers['x-reason']).toBe('not-idempotent')
    expect(reply.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(other.methods.filter((m) => m === 'POST')).toHaveLength(0)
    expect(front.results[0]).toMatchObject({ served: false, attempts: 1, status: 502, lastOutcome: 'reset' })
  })

  it('gives up with a 502 value after maxAttempts when every upstream refuses', async () => {
    const front = await edge(
      [
        { id: 'a', port: await closedPort(), weight: 1 },
        { id: 'b', port: await closedPort(), weight: 1 },
        { id: 'c', port: await closedPort(), weight: 1 },
        { id: 'd', port: await closedPort(), weight: 1 },
      ],
      { retry: { maxAttempts: 3 } },
    )
    const reply = await send(front.port)
    expect(reply.status).toBe(502)
    expect(front.results[0]).toMatchObject({
      served: false,
      attempts: 3,
      reason: 'max-attempts',
      status: 502,
      lastOutcome: 'connect-refused',
    })
    expect(front.candidates.map((c) => c.outstanding)).toEqual([0, 0, 0, 0])
    expect(front.budget.activeRetries).toBe(0)
  })

  it('relays the last attempt’s 503 as sent when every upstream answers 503 (nothing left to hold it for)', async () => {
    const ups = await Promise.all([1, 2, 3].map(() => upstream((_, res) => res.writeHead(503).end('busy'))))
    const front = await edge(ups.map((u, i) => ({ id: `e${i}`, port: u.port, weight: 1 })))
    const reply = await send(front.port)
    expect(reply.status).toBe(503)
    expect(reply.body).toBe('busy')
    expect(front.results[0]).toMatchObject({ served: true, attempts: 3, status: 503 })
  })

  it('gives up with no-endpoint (the last failure’s 502) when the pool runs out before maxAttempts, never trying an endpoint twice', async () => {
    const front = await edge([
      { id: 'a', port: await closedPort(), weight: 1 },
      { id: 'b', port: await closedPort(), weight: 1 },
    ])
    const reply = await send(front.port)
    expect(reply.status).toBe(502)
    expect(front.results[0]).toMatchObject({ served: false, attempts: 2, reason: 'no-endpoint' })
  })

  it('gives up with a 504 value when every attempt times out', async () => {
    const silent = await Promise.all([1, 2].map(() => listen(() => {})))
    const front = await edge(
      silent.map((u, i) => ({ id: `s${i}`, port: u.port, weight: 1 })),
      { timeouts: { perTryMs: 100, overallMs: 5000 }, retry: { maxAttempts: 2 } },
    )
    const reply = await send(front.port)
    expect(reply.status).toBe(504)
    expect(front.results[0]).toMatchObject({
      served: false,
      attempts: 2,
      reason: 'max-attempts',
      status: 504,
      retries: ['per-try-timeout'],
    })
  })

  it('gives up when the retry budget is spent, and counts the refusal', async () => {
    const good = await upstream()
    const front = await edge(
      [
        { id: 'refusing', port: await closedPort(), weight: 5 },
        { id: 'good', port: good.port, weight: 1 },
      ],
      {},
      { percent: 0, minConcurrency: 0 },
    )
    const reply = await send(front.port)
    expect(reply.status).toBe(502)
    expect(reply.headers['x-reason']).toBe('budget-exhausted')
    expect(good.methods).toEqual([])
    expect(front.budget.exhausted).toBe(1)
    expect(front.budget.activeRequests).toBe(0)
  })

  it('stops within the overall deadline: the per-try timeout is cut to the time left', async () => {
    const silent = await Promise.all([1, 2, 3].map(() => listen(() => {})))
    const front = await edge(
      silent.map((u, i) => ({ id: `s${i}`, port: u.port, weight: 1 })),
      { timeouts: { perTryMs: 200, overallMs: 300 } },
    )
    const started = Date.now()
    const reply = await send(front.port)
    expect(reply.status).toBe(504)
    expect(Date.now() - started).toBeLessThan(1000)
    expect(front.results[0]).toMatchObject({ served: false, attempts: 2, reason: 'deadline', status: 504 })
  })

  it('retries a POST refused before a byte was sent (nothing-sent, any method)', async () => {
    const good = await upstream()
    const front = await edge([
      { id: 'refusing', port: await closedPort(), weight: 5 },
      { id: 'good', port: good.port, weight: 1 },
    ])
    const reply = await send(front.port, { method: 'POST', body: Buffer.from('order=1') })
    expect(reply.status).toBe(200)
    expect(good.methods).toEqual(['POST'])
    expect(front.results[0]).toMatchObject({ served: true, attempts: 2, retries: ['nothing-sent'] })
  })

  it('sends a kept PUT body again, byte for byte, after a held 503', async () => {
    const bodies: string[] = []
    const record =
      (status: number): Handler =>
      (req, res) => {
        const chunks: Buffer[] = []
        req.on('data', (chunk: Buffer) => chunks.push(chunk))
        req.on('end', () => {
          bodies.push(Buffer.concat(chunks).toString())
          res.writeHead(status).end(String(status))
        })
      }
    const busy = await listen(record(503))
    const good = await listen(record(200))
    const front = await edge([
      { id: 'busy', port: busy.port, weight: 5 },
      { id: 'good', port: good.port, weight: 1 },
    ])
    const reply = await send(front.port, { method: 'PUT', body: Buffer.from('{"pay":42}') })
    expect(reply.status).toBe(200)
    expect(bodies).toEqual(['{"pay":42}', '{"pay":42}'])
  })

  it('retries on another stack before another endpoint of the same stack', async () => {
    const sameStack = await upstream()
    const otherStack = await upstream()
    const front = await edge([
      { id: 'a', port: await closedPort(), weight: 5, stack: 'node' },
      { id: 'b', port: sameStack.port, weight: 4, stack: 'node' },
      { id: 'c', port: otherStack.port, weight: 1, stack: 'go' },
    ])
    const reply = await send(front.port)
    expect(reply.status).toBe(200)
    expect(reply.headers['x-nines-endpoint']).toBe('c')
    expect(sameStack.methods).toEqual([])
  })

  it('ends with body-too-large (413) when a streamed body passes maxBodyBytes, without blaming the endpoint', async () => {
    let received = 0
    const { port } = await listen((req, res) => {
      req.on('data', (chunk: Buffer) => (received += chunk.length))
      req.on('end', () => res.end('ok'))
    })
    const front = await edge([{ id: 'a', port, weight: 1 }], {}, {}, 100_000)
    const req = request({
      host: '127.0.0.1',
      port: front.port,
      method: 'POST',
      headers: { 'transfer-encoding': 'chunked' },
      agent: false,
    })
    req.on('error', () => {}) // the connection closes after the 413
    const response = new Promise<IncomingMessage>((resolve) => req.on('response', resolve))
    req.write(Buffer.alloc(70_000))
    req.write(Buffer.alloc(40_000))
    const res = await response
    req.destroy()
    expect(res.statusCode).toBe(413)
    expect(res.headers['x-reason']).toBe('body-too-large')
    expect(received).toBeLessThanOrEqual(100_000)
    expect(front.results[0]).toMatchObject({
      served: false,
      reason: 'body-too-large',
      status: 413,
      attempts: 1,
    })
    expect(front.candidates[0]!.outstanding).toBe(0)

    const reply = await send(front.port, { method: 'POST', body: Buffer.alloc(100_000) })
    expect(reply.status).toBe(200)
    expect(front.results[1]).toMatchObject({ served: true, attempts: 1 })
  })

  it('answers a Content-Length over maxBodyBytes with 413 before any attempt', async () => {
    const good = await upstream()
    const front = await edge([{ id: 'a', port: good.port, weight: 1 }], {}, {}, 10)
    const reply = await send(front.port, { method: 'POST', body: Buffer.alloc(11) })
    expect(reply.status).toBe(413)
    expect(front.results[0]).toMatchObject({ served: false, reason: 'body-too-large', attempts: 0 })
    expect(good.methods).toEqual([])
  })
})
