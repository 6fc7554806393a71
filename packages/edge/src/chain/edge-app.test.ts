import { afterEach, describe, expect, it } from 'vitest'
import { runCleanups } from '../proxy/testing.js'
import { chainOnSockets as edge, get } from './testing.js'

afterEach(runCleanups)

describe('the edge chain on a real socket', () => {
  it('routes by host and path prefix to the pool, with a request id sent both ways', async () => {
    const { port, records } = await edge({
      upstreams: ['a'],
      routes: [{ host: 'app.test', pool: 'app', name: 'app' }],
    })
    const reply = await get(port, 'app.test', '/x', { 'x-request-id': 'abc-123' })
    expect(reply.status).toBe(200)
    expect(reply.body).toBe('a')
    expect(reply.headers['x-request-id']).toBe('abc-123')
    expect(reply.headers['x-seen-request-id']).toBe('abc-123')
    expect(reply.headers.via).toContain('test-edge')
    expect(records).toMatchObject([
      { route: 'app', status: 200, endpoint: 'a', attempts: 1, code: undefined, requestId: 'abc-123' },
    ])
  })

  it('answers an unknown host 421 and a known host without a route 404, never 5xx', async () => {
    const { port, records } = await edge({
      upstreams: ['a'],
      routes: [{ host: 'app.test', pathPrefix: '/api', pool: 'app' }],
    })
    const unknown = await get(port, 'other.test')
    expect(unknown.status).toBe(421)
    expect(unknown.headers['x-nines-error']).toBe('NINES_ERR_UNKNOWN_HOST')
    const none = await get(port, 'app.test', '/web')
    expect(none.status).toBe(404)
    expect(none.headers['x-nines-error']).toBe('NINES_ERR_NO_ROUTE')
    expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(records.map((r) => r.code)).toEqual(['NINES_ERR_UNKNOWN_HOST', 'NINES_ERR_NO_ROUTE'])
  })

  it('sends nothing to drained or down endpoints, and answers 503 with a code when none is left', async () => {
    const { port, router, states, held } = await edge({
      upstreams: ['a', 'b'],
      routes: [{ host: '*', pool: 'app' }],
      states: { a: 'drain', b: 'up' },
    })
    for (let i = 0; i < 6; i++) expect((await get(port, 'x.test')).body).toBe('b')
    // An operator takes b down too: drained and held-down endpoints take nothing, even in panic.
    states.b = 'down'
    held.add('app/b')
    router.refresh()
    const reply = await get(port, 'x.test')
    expect(reply.status).toBe(503)
    expect(reply.headers['x-nines-error']).toBe('NINES_ERR_NO_ENDPOINT')
    expect(reply.body).toMatch(/unavailable/)
    // Healing: the override is cleared and b serves again.
    states.b = 'up'
    held.clear()
    router.refresh()
    expect((await get(port, 'x.test')).body).toBe('b')
  })

  it("sends the route's fallback instead of a 5xx when nothing can serve", async () => {
    const { port } = await edge({
      upstreams: ['a'],
      routes: [
        {
          host: '*',
          pool: 'app',
          fallback: { status: 200, headers: { 'content-type': 'text/html' }, body: '<p>back soon</p>' },
        },
      ],
      states: { a: 'drain' },
    })
    const reply = await get(port, 'x.test')
    expect(reply.status).toBe(200)
    expect(reply.body).toBe('<p>back soon</p>')
    expect(reply.headers['content-type']).toBe('text/html')
    expect(reply.headers['x-nines-error']).toBe('NINES_ERR_NO_ENDPOINT')
  })

  it('adds which endpoint served and the attempts only when debug headers are on', async () => {
    const off = await edge({ upstreams: ['a'], routes: [{ host: '*', pool: 'app' }] })
    expect((await get(off.port, 'x.test')).headers['x-nines-endpoint']).toBeUndefined()
    const on = await edge({ upstreams: ['a'], routes: [{ host: '*', pool: 'app' }], debug: true })
    const reply = await get(on.port, 'x.test')
    expect(reply.headers['x-nines-endpoint']).toBe('a')
    expect(reply.headers['x-nines-attempts']).toBe('1')
  })

  it('panics when fewer than half are healthy, sends to every endpoint, and says so in the record', async () => {
    const { port, records } = await edge({
      upstreams: ['a', 'b', 'c'],
      routes: [{ host: '*', pool: 'app' }],
      states: { a: 'down', b: 'down', c: 'up' },
    })
    const served = new Set<string>()
    for (let i = 0; i < 30; i++) served.add((await get(port, 'x.test')).body)
    // The probes say a and b are down, but the upstreams answer: in panic all three take traffic.
    expect([...served].sort()).toEqual(['a', 'b', 'c'])
    expect(records.every((r) => r.panic)).toBe(true)
  })
})
