import type { IncomingMessage, ServerResponse } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { runCleanups } from '../proxy/testing.js'
import type { RouteInput } from '../routes/route-schema.js'
import { chainOnSockets, get, type Reply } from './testing.js'

afterEach(runCleanups)

const host = 'app.test'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function until(what: string, condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`)
    await sleep(10)
  }
}

/** An upstream that counts requests and holds them while `hold` says so; `answer` says how each is answered. */
function upstream(answer: (res: ServerResponse) => void) {
  const state = { hits: 0, inFlight: 0, most: 0, hold: (_n: number) => false, held: [] as ServerResponse[] }
  const reply = (res: ServerResponse) => {
    state.inFlight--
    answer(res)
  }
  const handler = (_req: IncomingMessage, res: ServerResponse) => {
    const n = ++state.hits
    state.inFlight++
    state.most = Math.max(state.most, state.inFlight)
    if (state.hold(n)) state.held.push(res)
    else reply(res)
  }
  const release = (how: (res: ServerResponse) => void = answer) => {
    for (const res of state.held.splice(0)) {
      state.inFlight--
      how(res)
    }
  }
  return { state, handler, release }
}

const cacheable = (res: ServerResponse) => res.writeHead(200, { 'cache-control': 'max-age=60' }).end('v1')

async function chain(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  route: Omit<RouteInput, 'host' | 'pool'> = {},
) {
  return chainOnSockets({
    upstreams: { a: handler },
    routes: [{ host, pool: 'app', ...route }],
    cacheBytes: 1 << 20,
    debug: true,
  })
}

const cacheStates = (replies: Reply[]) => replies.map((r) => r.headers['x-nines-cache'] ?? 'miss').sort()

describe('collapsed forwarding', () => {
  it('asks the upstream once for a URL many clients miss at once; the others get its copy', async () => {
    const up = upstream(cacheable)
    up.state.hold = () => true
    const { port, cache } = await chain(up.handler)
    const replies = Promise.all(Array.from({ length: 20 }, () => get(port, host, '/cms/faq')))
    await until('the first request at the upstream', () => up.state.hits === 1)
    await sleep(100) // the other 19 reach the router and wait
    up.release()
    const all = await replies
    expect(all.map((r) => `${r.status} ${r.body}`)).toEqual(Array(20).fill('200 v1'))
    // Without collapsing, each of the 20 would have missed while the first was held.
    expect(up.state.hits).toBe(1)
    expect(cacheStates(all)).toEqual([...Array(19).fill('hit'), 'miss'])
    expect(cache!.snapshot().entries).toBe(1)
  })

  it('does not hold a URL whose answer cannot be stored: the first ones wait once, then it passes', async () => {
    const up = upstream((res) => res.writeHead(200, { 'cache-control': 'no-store' }).end('mine'))
    up.state.hold = (n) => n === 1
    const { port } = await chain(up.handler)
    const first = Promise.all(Array.from({ length: 10 }, () => get(port, host, '/api/balance')))
    await until('the first at the upstream', () => up.state.hits === 1)
    await sleep(100)
    expect(up.state.hits).toBe(1) // the other nine wait for it
    up.release()
    expect((await first).map((r) => r.body)).toEqual(Array(10).fill('mine'))
    expect(up.state.hits).toBe(10) // woken, each asked on its own: nothing was stored
    // The URL now passes: ten more are all at the upstream at once.
    up.state.hold = () => true
    const second = Promise.all(Array.from({ length: 10 }, () => get(port, host, '/api/balance')))
    await until('all ten at the upstream side by side', () => up.state.inFlight === 10)
    up.release()
    expect((await second).map((r) => r.body)).toEqual(Array(10).fill('mine'))
  })

  it('wakes the waiters to ask on their own when the first answer fails; healed, the copy is stored', async () => {
    // The fault: the first request is answered 503, and the route does not retry.
    const up = upstream((res) =>
      up.state.hits === 1 && up.state.held.length === 0 && !healed
        ? res.writeHead(503).end('down')
        : cacheable(res),
    )
    let healed = false
    up.state.hold = (n) => n === 1
    const { port } = await chain(up.handler, { retry: { maxAttempts: 1 } })
    const replies = Promise.all(Array.from({ length: 5 }, () => get(port, host, '/cms/banner')))
    await until('the first at the upstream', () => up.state.hits === 1)
    await sleep(100)
    up.release((res) => res.writeHead(503).end('down'))
    const all = await replies
    expect(all.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 503])
    // Woken by the failure, the four waiters asked on their own rather than wait for a copy that never came.
    expect(up.state.hits).toBe(5)
    // The way back: stored by one of them, the URL is served from its copy.
    healed = true
    const after = await Promise.all(Array.from({ length: 5 }, () => get(port, host, '/cms/banner')))
    expect(cacheStates(after)).toEqual(Array(5).fill('hit'))
    expect(up.state.hits).toBe(5)
  })

  it("waits at most the route's per-try timeout for an answer that hangs", async () => {
    const up = upstream(cacheable)
    up.state.hold = (n) => n === 1 // the first request hangs; the fault heals at the end
    const { port } = await chain(up.handler, { timeouts: { perTryMs: 300, overallMs: 5000 } })
    const leader = get(port, host, '/page')
    await until('the first at the upstream', () => up.state.hits === 1)
    const waiters = await Promise.all(Array.from({ length: 5 }, () => get(port, host, '/page')))
    // Answered while the first is still held: they stopped waiting and asked (or found the copy one stored).
    expect(waiters.map((r) => `${r.status} ${r.body}`)).toEqual(Array(5).fill('200 v1'))
    expect(up.state.held).toHaveLength(1)
    // The first request's own try timed out too (a 504, or its retry's answer).
    expect([200, 504]).toContain((await leader).status)
    up.release()
    await until('the hung request ended', () => up.state.inFlight === 0)
    expect((await get(port, host, '/page')).headers['x-nines-cache']).toBe('hit')
  })

  it('serves the waiters a stale copy at once when the upstream hangs, instead of asking it again; healed, fresh', async () => {
    const up = upstream((res) => res.writeHead(200, { 'cache-control': 'max-age=1' }).end('v1'))
    const { port } = await chain(up.handler, {
      timeouts: { perTryMs: 300, overallMs: 5000 },
      retry: { maxAttempts: 1 },
    })
    expect((await get(port, host, '/cms/faq')).body).toBe('v1')
    await sleep(1100) // the copy is stale now, within the route's 300 s of stale-if-error
    up.state.hold = () => true // the fault: the CMS hangs
    const all = await Promise.all(Array.from({ length: 5 }, () => get(port, host, '/cms/faq')))
    expect(all.map((r) => `${r.status} ${r.body} ${r.headers['x-nines-cache']}`)).toEqual(
      Array(5).fill('200 v1 stale; reason=error'),
    )
    expect(up.state.hits).toBe(2) // the first load and the one request that found it hung
    // The way back: the CMS answers again, and the next miss stores a fresh copy.
    up.state.hold = () => false
    up.release()
    await until('the hung request ended', () => up.state.inFlight === 0)
    expect((await get(port, host, '/cms/faq')).headers['x-nines-cache']).toBeUndefined()
    expect((await get(port, host, '/cms/faq')).headers['x-nines-cache']).toBe('hit')
  })

  it('never holds a client that refused copies (no-cache), nor a route that turned collapsing off', async () => {
    const up = upstream(cacheable)
    up.state.hold = () => true
    const { port } = await chain(up.handler)
    const replies = Promise.all([
      get(port, host, '/x'),
      get(port, host, '/x', { 'cache-control': 'no-cache' }),
    ])
    await until('both at the upstream', () => up.state.hits === 2)
    up.release()
    expect((await replies).map((r) => r.status)).toEqual([200, 200])

    const off = upstream(cacheable)
    off.state.hold = () => true
    const plain = await chainOnSockets({
      upstreams: { a: off.handler },
      routes: [{ host, pool: 'app', cache: { collapse: false } }],
      cacheBytes: 1 << 20,
    })
    const three = Promise.all(Array.from({ length: 3 }, () => get(plain.port, host, '/y')))
    await until('all three at the upstream', () => off.state.hits === 3)
    off.release()
    expect((await three).map((r) => r.body)).toEqual(['v1', 'v1', 'v1'])
  })
})
