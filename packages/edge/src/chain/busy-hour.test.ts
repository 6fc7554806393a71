import type { ServerResponse } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { runCleanups } from '../proxy/testing.js'
import { chainOnSockets, get } from './testing.js'

afterEach(runCleanups)

const host = 'app.test'

/** An upstream whose next answers a test sets: status, headers, body, or held until `release`. */
function scripted() {
  const state = {
    hits: 0,
    status: 200,
    headers: {} as Record<string, string | string[]>,
    body: 'v1',
    hold: false,
    held: [] as ServerResponse[],
  }
  const handler = (_req: unknown, res: ServerResponse) => {
    state.hits++
    if (state.hold) {
      state.held.push(res)
      return
    }
    res.writeHead(state.status, state.headers).end(state.body)
  }
  const release = () => {
    for (const res of state.held.splice(0)) res.writeHead(200, state.headers).end(state.body)
  }
  return { state, handler, release }
}

describe('classify', () => {
  it("takes the route's class; a client may lower it, only a trusted proxy may raise it", async () => {
    const routes = [{ host, pool: 'app', class: 'normal' as const }]
    const plain = await chainOnSockets({ upstreams: ['a'], routes })
    await get(plain.port, host, '/', { 'x-nines-class': 'sheddable' })
    await get(plain.port, host, '/', { 'x-nines-class': 'critical' })
    await get(plain.port, host, '/', { 'x-nines-class': 'bogus' })
    expect(plain.records.map((r) => r.class)).toEqual(['sheddable', 'normal', 'normal'])
    const behindProxy = await chainOnSockets({ upstreams: ['a'], routes, trusted: true })
    await get(behindProxy.port, host, '/', { 'x-nines-class': 'critical' })
    expect(behindProxy.records.map((r) => r.class)).toEqual(['critical'])
  })
})

describe('the cache stage', () => {
  it('serves a fresh copy without the upstream, with Age, and says so with debug headers', async () => {
    const up = scripted()
    up.state.headers = { 'cache-control': 'max-age=60' }
    const { port, records } = await chainOnSockets({
      upstreams: { a: up.handler },
      routes: [{ host, pool: 'app' }],
      cacheBytes: 1 << 20,
      debug: true,
    })
    expect((await get(port, host, '/page')).body).toBe('v1')
    const second = await get(port, host, '/page')
    expect(second.body).toBe('v1')
    expect(second.headers['x-nines-cache']).toBe('hit')
    expect(second.headers.age).toMatch(/^\d+$/)
    expect(second.headers['x-request-id']).toBeDefined()
    expect(up.state.hits).toBe(1)
    // Another query string is another resource.
    await get(port, host, '/page?x=1')
    expect(up.state.hits).toBe(2)
    expect(records.map((r) => r.cache)).toEqual([undefined, 'hit', undefined])
  })

  it('never stores a private or Set-Cookie response, even when the upstream then fails', async () => {
    const cases: Record<string, string>[] = [
      { 'cache-control': 'private, max-age=60' },
      { 'cache-control': 'max-age=60', 'set-cookie': 'session=alice' },
    ]
    for (const headers of cases) {
      const up = scripted()
      up.state.headers = headers
      const { port } = await chainOnSockets({
        upstreams: { a: up.handler },
        routes: [{ host, pool: 'app', retry: { maxAttempts: 1 } }],
        cacheBytes: 1 << 20,
      })
      await get(port, host, '/me')
      await get(port, host, '/me')
      expect(up.state.hits).toBe(2)
      up.state.status = 503
      up.state.headers = {}
      up.state.body = 'down'
      const failed = await get(port, host, '/me')
      expect(failed.status).toBe(503)
      expect(failed.body).not.toBe('v1')
      expect(failed.headers['x-nines-cache']).toBeUndefined()
    }
  })

  it('puts a stored copy in place of an upstream 5xx or of no endpoint, and the fresh answer back after', async () => {
    const up = scripted() // no cache headers: a copy kept only to stand in
    const { port, records, router, states } = await chainOnSockets({
      upstreams: { a: up.handler },
      routes: [{ host, pool: 'app', retry: { maxAttempts: 1 }, cache: { staleIfErrorS: 60 } }],
      cacheBytes: 1 << 20,
    })
    expect((await get(port, host, '/news')).body).toBe('v1')
    expect(up.state.hits).toBe(1)
    up.state.status = 500
    up.state.body = 'broken'
    const stale = await get(port, host, '/news')
    expect(stale.status).toBe(200)
    expect(stale.body).toBe('v1')
    expect(stale.headers['x-nines-cache']).toBe('stale; reason=error')
    states.a = 'drain'
    router.refresh()
    expect((await get(port, host, '/news')).headers['x-nines-cache']).toBe('stale; reason=no-endpoint')
    // Never cached: nothing to stand in, the problem as before.
    expect((await get(port, host, '/other')).status).toBe(503)
    // Healing: the upstream answers again and its new answer is relayed (and stored).
    states.a = 'up'
    router.refresh()
    up.state.status = 200
    up.state.body = 'v2'
    const back = await get(port, host, '/news')
    expect(back.body).toBe('v2')
    expect(back.headers['x-nines-cache']).toBeUndefined()
    expect(records.map((r) => r.staleReason)).toEqual([
      undefined,
      'error',
      'no-endpoint',
      undefined,
      undefined,
    ])
  })
})

describe('stale-while-revalidate', () => {
  it('answers with the stored copy at once and refreshes it with one background request', async () => {
    const up = scripted()
    up.state.headers = { 'cache-control': 'max-age=0, stale-while-revalidate=60' }
    const { port } = await chainOnSockets({
      upstreams: { a: up.handler },
      routes: [{ host, pool: 'app' }],
      cacheBytes: 1 << 20,
    })
    expect((await get(port, host, '/feed')).body).toBe('v1')
    up.state.body = 'v2'
    const stale = await get(port, host, '/feed')
    expect(stale.body).toBe('v1')
    expect(stale.headers['x-nines-cache']).toBe('stale; reason=revalidate')
    while (up.state.hits < 2) await new Promise((r) => setTimeout(r, 5))
    // The refresh stored v2 (the next answer may be served before it lands: wait for it).
    let next = await get(port, host, '/feed')
    for (let i = 0; i < 50 && next.body !== 'v2'; i++) next = await get(port, host, '/feed')
    expect(next.body).toBe('v2')
    // One background request per refresh, not one per client.
    expect(up.state.hits).toBeLessThanOrEqual(3)
  })
})

describe('the admit stage', () => {
  const admission = { limit: { initial: 2, min: 2, max: 2 }, queue: { maxLength: 0 } }

  it('sheds what the limit cannot take with 503 and Retry-After, keeps the critical share, and admits again after', async () => {
    const up = scripted()
    up.state.hold = true
    const { port, records } = await chainOnSockets({
      upstreams: { a: up.handler },
      admission,
      routes: [
        { host, pathPrefix: '/pay', pool: 'app', class: 'critical' },
        { host, pathPrefix: '/banner', pool: 'app', class: 'sheddable', cache: { enabled: false } },
      ],
    })
    // Two sheddable requests borrow the whole (spare) limit and hang upstream.
    const hanging = [get(port, host, '/banner/1'), get(port, host, '/banner/2')]
    while (up.state.held.length < 2) await new Promise((r) => setTimeout(r, 5))
    const shed = await get(port, host, '/banner/3')
    expect(shed.status).toBe(503)
    expect(shed.headers['x-nines-error']).toBe('NINES_ERR_SHED')
    expect(shed.headers['retry-after']).toBe('1')
    expect(up.state.hits).toBe(2)
    // Critical has a guaranteed share (half of 2): admitted over the limit.
    const pay = get(port, host, '/pay')
    while (up.state.held.length < 3) await new Promise((r) => setTimeout(r, 5))
    up.release()
    up.state.hold = false
    expect((await pay).status).toBe(200)
    expect((await Promise.all(hanging)).map((r) => r.status)).toEqual([200, 200])
    // Healing: with the upstream answering, sheddable is admitted again.
    expect((await get(port, host, '/banner/4')).status).toBe(200)
    expect(records.find((r) => r.code === 'NINES_ERR_SHED')).toMatchObject({
      class: 'sheddable',
      shed: 'queue-full',
    })
  })

  it('offers a shed request the stored copy first, then the fallback', async () => {
    const up = scripted()
    const { port } = await chainOnSockets({
      upstreams: { a: up.handler },
      admission,
      cacheBytes: 1 << 20,
      routes: [
        { host, pathPrefix: '/hold', pool: 'app', class: 'critical' },
        {
          host,
          pathPrefix: '/banner',
          pool: 'app',
          class: 'sheddable',
          fallback: { status: 200, body: 'no banner today' },
        },
      ],
    })
    expect((await get(port, host, '/banner/a')).body).toBe('v1')
    up.state.hold = true
    const holding = [get(port, host, '/hold/1'), get(port, host, '/hold/2')]
    while (up.state.held.length < 2) await new Promise((r) => setTimeout(r, 5))
    const stale = await get(port, host, '/banner/a')
    expect(stale.body).toBe('v1')
    expect(stale.headers['x-nines-cache']).toBe('stale; reason=shed')
    const fallback = await get(port, host, '/banner/b')
    expect(fallback.body).toBe('no banner today')
    expect(fallback.headers['x-nines-error']).toBe('NINES_ERR_SHED')
    up.release()
    up.state.hold = false
    await Promise.all(holding)
    expect((await get(port, host, '/banner/b')).body).toBe('v1')
  })
})
