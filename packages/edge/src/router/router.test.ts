import { ManualClock, seededRng, type EffectiveState } from '@nines/core'
import { poolSchema, type EndpointConfig } from '@nines/health'
import { afterEach, describe, expect, it } from 'vitest'
import { ejectionSchema } from '../eject/options.js'
import { panicSchema } from '../eject/panic.js'
import { routesSchema } from '../routes/route-schema.js'
import { Router, type RouterConfig } from './router.js'

const routers: Router[] = []
afterEach(async () => {
  for (const router of routers.splice(0)) await router.close()
})

const endpoint = (name: string, port: number, zone?: string): EndpointConfig =>
  poolSchema.parse({
    check: { kind: 'tcp' },
    endpoints: [{ name, address: '127.0.0.1', port, labels: zone ? { zone, region: 'r' } : {} }],
  }).endpoints[0]!

function config(endpoints: EndpointConfig[], ejection = {}): RouterConfig {
  return {
    routes: routesSchema.parse([{ host: 'app.test', pool: 'app' }]),
    pools: {
      app: {
        endpoints,
        ejection: ejectionSchema.parse(ejection),
        panic: panicSchema.parse({}),
      },
    },
  }
}

function router(cfg: RouterConfig, states: Record<string, EffectiveState> = {}, clock = new ManualClock()) {
  const r = new Router(cfg, {
    clock,
    rng: seededRng(1),
    locality: { region: 'r', zone: 'z1' },
    health: (id) => ({ effective: states[id] ?? 'up' }),
  })
  routers.push(r)
  return r
}

const route = (r: Router) => r.table.match('app.test', '/').route!
const serving = (r: Router) =>
  route(r)
    .pool.view.members.filter((m) => m.state === 'up')
    .map((m) => m.candidate.endpoint.id)

describe('Router', () => {
  it('keeps in-flight counts and connections of endpoints that stay across a reload', () => {
    const r = router(config([endpoint('a', 1001), endpoint('b', 1002)]))
    const before = route(r)
    const a = before.pool.view.members[0]!.candidate
    a.outstanding = 4
    const upstreamA = before.upstreams.get('a')
    const upstreamB = before.upstreams.get('b')
    r.apply(config([endpoint('a', 1001), endpoint('b', 2002), endpoint('c', 1003)]))
    const after = route(r)
    expect(after).not.toBe(before) // routes are rebuilt and swapped whole
    expect(after.pool).toBe(before.pool) // the pool and its state stay
    expect(after.pool.view.members[0]!.candidate).toBe(a)
    expect(a.outstanding).toBe(4)
    expect(after.upstreams.get('a')).toBe(upstreamA)
    expect(after.upstreams.get('b')).not.toBe(upstreamB) // b moved to another port: new connections
    expect(serving(r)).toEqual(['a', 'b', 'c'])
    // The balancer of the new route sees the new members (a's requests are done by now).
    a.outstanding = 0
    const picked = new Set<string>()
    for (let i = 0; i < 60; i++) picked.add(after.balancer.pick()!.endpoint.id)
    expect([...picked].sort()).toEqual(['a', 'b', 'c'])
  })

  it('takes an ejected endpoint out of every route until its time is up, then puts it back', () => {
    const clock = new ManualClock()
    const r = router(
      config([endpoint('a', 1001), endpoint('b', 1002), endpoint('c', 1003)], {
        consecutiveGatewayFailure: 3,
        baseEjectionTimeMs: 30_000,
      }),
      {},
      clock,
    )
    const { ejector } = route(r)
    for (let i = 0; i < 3; i++) ejector.observe({ endpointId: 'b', outcome: 'gateway-error' })
    expect(serving(r)).toEqual(['a', 'c'])
    for (let i = 0; i < 50; i++) expect(route(r).balancer.pick()!.endpoint.id).not.toBe('b')
    clock.advance(30_001)
    expect(serving(r)).toEqual(['a', 'b', 'c'])
  })

  it('follows health: refresh after a change, and slow start for an endpoint that came back', () => {
    const clock = new ManualClock()
    const states: Record<string, EffectiveState> = {}
    const r = router(config([endpoint('a', 1001), endpoint('b', 1002), endpoint('c', 1003)]), states, clock)
    expect(route(r).pool.view.members.every((m) => m.candidate.upSinceMs === undefined)).toBe(true)
    states['app/b'] = 'down'
    r.refresh()
    expect(serving(r)).toEqual(['a', 'c'])
    clock.advance(5_000)
    states['app/b'] = 'up'
    r.refresh()
    expect(serving(r)).toEqual(['a', 'b', 'c'])
    expect(route(r).pool.view.members[1]!.candidate.upSinceMs).toBe(clock.now())
  })

  it('closes a pool no route uses any more', async () => {
    const r = router(config([endpoint('a', 1001)]))
    const pool = route(r).pool
    r.apply({ ...config([endpoint('a', 1001)]), routes: [] })
    expect(r.pools.size).toBe(0)
    expect(r.table.match('app.test', '/').miss).toBe('unknown-host')
    expect(pool.view.members).toHaveLength(1)
  })
})
