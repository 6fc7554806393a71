import { seededRng, type EffectiveState, type EndpointLabels, type Locality } from '@nines/core'
import { describe, expect, it } from 'vitest'
import type { PriorityState } from './priority.js'
import { policySchema, type PolicyInput } from './schema.js'
import { select } from './select.js'
import { variants } from './variants.js'
import type { CandidateView } from './types.js'

interface ViewSpec {
  readonly state?: EffectiveState
  readonly priority?: number
  readonly labels?: EndpointLabels
  readonly weight?: number
  readonly recoveredAt?: number
}

let nextHost = 1
function v(id: string, spec: ViewSpec = {}): CandidateView {
  return {
    endpoint: {
      id,
      address: `192.0.2.${nextHost++}`,
      port: 80,
      weight: spec.weight ?? 1,
      labels: spec.labels ?? {},
    },
    effective: spec.state ?? 'up',
    priority: spec.priority ?? 0,
    ...(spec.recoveredAt !== undefined && { recoveredAt: spec.recoveredAt }),
  }
}

const start: PriorityState = { active: 0, since: 0, upSince: { 0: 0, 1: 0, 2: 0 } }

function run(
  candidates: CandidateView[],
  input: PolicyInput = {},
  locality?: Locality,
  state = start,
  now = 0,
) {
  const options = policySchema.parse({ maxAnswers: 64, ...input })
  return select(candidates, locality ? { locality } : {}, options, state, seededRng(1), now)
}

const ids = (selection: { endpoints: readonly { id: string }[] }) =>
  selection.endpoints.map((e) => e.id).sort()

describe('select: health and priority', () => {
  it.each([
    {
      name: 'all healthy',
      candidates: [v('a'), v('b'), v('c')],
      ids: ['a', 'b', 'c'],
      outcome: 'healthy',
      ttlSec: 30,
      reason: 'priority 0: 3/3 up',
    },
    {
      name: 'one down',
      candidates: [v('a', { state: 'down' }), v('b'), v('c')],
      ids: ['b', 'c'],
      outcome: 'degraded',
      ttlSec: 5,
      reason: 'priority 0: 2/3 up',
    },
    {
      name: 'drain excluded, and planned: still healthy, with the short TTL',
      candidates: [v('a', { state: 'drain' }), v('b'), v('c')],
      ids: ['b', 'c'],
      outcome: 'healthy',
      ttlSec: 5,
      reason: 'priority 0: 2/2 up; draining 1',
    },
    {
      name: 'unknown excluded',
      candidates: [v('a', { state: 'unknown' }), v('b'), v('c')],
      ids: ['b', 'c'],
      outcome: 'degraded',
      ttlSec: 5,
      reason: 'priority 0: 2/3 up',
    },
    {
      name: 'recovering endpoint keeps the TTL short',
      candidates: [v('a', { recoveredAt: 0 }), v('b'), v('c')],
      ids: ['a', 'b', 'c'],
      outcome: 'healthy',
      ttlSec: 5,
      reason: 'priority 0: 3/3 up; recovering 1 until 1970-01-01T00:00:30.000Z',
    },
    {
      name: 'recovering but drained: the drain counts',
      candidates: [v('a', { recoveredAt: 0, state: 'drain' }), v('b'), v('c')],
      ids: ['b', 'c'],
      outcome: 'healthy',
      ttlSec: 5,
      reason: 'priority 0: 2/2 up; draining 1',
    },
    {
      name: 'standby only while the primary is up',
      candidates: [v('a'), v('b'), v('s', { priority: 1 })],
      ids: ['a', 'b'],
      outcome: 'healthy',
      ttlSec: 30,
      reason: 'priority 0: 2/2 up',
    },
    {
      name: 'instant failover when the primary is down',
      candidates: [
        v('a', { state: 'down' }),
        v('b', { state: 'down' }),
        v('s', { priority: 1 }),
        v('t', { priority: 1 }),
      ],
      ids: ['s', 't'],
      outcome: 'degraded',
      ttlSec: 5,
      reason: 'priority 1: 2/2 up; failed over from priority 0',
    },
    {
      name: 'a fully drained primary is no failover, but its drain shortens the TTL',
      candidates: [v('a', { state: 'drain' }), v('s', { priority: 1 })],
      ids: ['s'],
      outcome: 'healthy',
      ttlSec: 5,
      reason: 'priority 1: 1/1 up; draining 1',
    },
    {
      name: 'exactly at the panic threshold: no panic',
      candidates: [v('a'), v('b'), v('c', { state: 'down' }), v('d', { state: 'down' })],
      ids: ['a', 'b'],
      outcome: 'degraded',
      ttlSec: 5,
      reason: 'priority 0: 2/4 up',
    },
    {
      name: 'panic below 50 % with nowhere to spill: all non-drained of the group',
      candidates: [
        v('a'),
        v('b', { state: 'down' }),
        v('c', { state: 'down' }),
        v('d', { state: 'unknown' }),
        v('x', { state: 'drain' }),
      ],
      ids: ['a', 'b', 'c', 'd'],
      outcome: 'panic',
      ttlSec: 5,
      reason: 'priority 0: 1/4 up; below panic threshold 50%; draining 1; panic: answering all 4',
    },
    {
      name: 'below 50 % spills to the standby instead of panicking',
      candidates: [
        v('a'),
        v('b', { state: 'down' }),
        v('c', { state: 'down' }),
        v('d', { state: 'down' }),
        v('s', { priority: 1 }),
        v('t', { priority: 1, state: 'down' }),
      ],
      ids: ['a', 's'],
      outcome: 'degraded',
      ttlSec: 5,
      reason: 'priority 0: 1/4 up; below panic threshold 50%; spilled to priority 1 (1/2 up)',
    },
    {
      name: 'panic when even the standby does not make up the share',
      candidates: [
        v('a'),
        v('b', { state: 'down' }),
        v('c', { state: 'down' }),
        v('d', { state: 'down' }),
        v('s', { priority: 1 }),
        v('t', { priority: 1, state: 'down' }),
        v('u', { priority: 1, state: 'down' }),
        v('w', { priority: 1, state: 'down' }),
        v('x', { priority: 1, state: 'down' }),
      ],
      ids: ['a', 'b', 'c', 'd'],
      outcome: 'panic',
      ttlSec: 5,
      reason: 'priority 0: 1/4 up; below panic threshold 50%; panic: answering all 4',
    },
    {
      name: 'weight 0 only when nothing else',
      candidates: [v('a', { weight: 0 }), v('b'), v('c', { weight: 0, priority: 1 })],
      ids: ['b'],
      outcome: 'healthy',
      ttlSec: 30,
      reason: 'priority 0: 2/2 up',
    },
    {
      name: 'weight 0 when it is all there is',
      candidates: [v('a', { weight: 0 }), v('b', { weight: 0 })],
      ids: ['a', 'b'],
      outcome: 'healthy',
      ttlSec: 30,
      reason: 'priority 0: 2/2 up',
    },
  ])('$name', ({ candidates, ids: expected, outcome, ttlSec, reason }) => {
    const selection = run(candidates)
    expect(ids(selection)).toEqual(expected)
    expect(selection.outcome).toBe(outcome)
    expect(selection.panic).toBe(outcome === 'panic')
    expect(selection.failedOpen).toBe(false)
    expect(selection.allDownAction).toBeUndefined()
    expect(selection.ttlSec).toBe(ttlSec)
    expect(selection.reason).toBe(reason)
  })

  it('panicThreshold 0 never panics', () => {
    const candidates = [
      v('a'),
      v('b', { state: 'down' }),
      v('c', { state: 'down' }),
      v('d', { state: 'down' }),
    ]
    const selection = run(candidates, { panicThreshold: 0 })
    expect(ids(selection)).toEqual(['a'])
    expect(selection.panic).toBe(false)
  })

  it('uses the configured TTLs', () => {
    const ttl = { normalSec: 300, degradedSec: 10 }
    expect(run([v('a')], { ttl }).ttlSec).toBe(300)
    expect(run([v('a'), v('b', { state: 'down' })], { ttl }).ttlSec).toBe(10)
  })

  it('caps at maxAnswers', () => {
    const candidates = ['a', 'b', 'c', 'd', 'e'].map((id) => v(id))
    expect(run(candidates, { maxAnswers: 2 }).endpoints).toHaveLength(2)
  })

  // The primary came back at 1000 after a failover; the standby keeps traffic for the 30 s hold.
  const held: PriorityState = { active: 1, since: 0, upSince: { 0: 1000, 1: 0 } }
  const pair = [v('p'), v('s', { priority: 1 })]

  it.each([
    [1000, 'auto', 1, 5],
    [30_999, 'auto', 1, 5],
    [31_000, 'auto', 0, 30],
    [10_000_000, 'manual', 1, 5],
  ] as const)('failback hold: at %i (%s) priority %i answers, TTL %i', (now, failback, active, ttlSec) => {
    const selection = run(pair, { priority: { failback } }, undefined, held, now)
    expect(selection.activePriority).toBe(active)
    expect(ids(selection)).toEqual([active === 0 ? 'p' : 's'])
    expect(selection.ttlSec).toBe(ttlSec)
  })

  it('a recovering primary shortens the standby TTL', () => {
    const candidates = [v('p', { recoveredAt: 1000 }), v('s', { priority: 1 })]
    const selection = run(candidates, { priority: { failback: 'manual' } }, undefined, held, 2000)
    expect(selection.reason).toBe(
      'priority 1: 1/1 up; failed over from priority 0; failback to priority 0 is manual; ' +
        'recovering 1 until 1970-01-01T00:00:31.000Z',
    )
  })
})

describe('select: locality', () => {
  const z1 = { region: 'r1', zone: 'z1' }
  const z2 = { region: 'r1', zone: 'z2' }
  const z3 = { region: 'r2', zone: 'z3' }
  const pool = (states: { readonly [id: string]: EffectiveState | undefined } = {}) => [
    v('a', { labels: z1, state: states['a'] ?? 'up' }),
    v('b', { labels: z1, state: states['b'] ?? 'up' }),
    v('c', { labels: z2, state: states['c'] ?? 'up' }),
    v('d', { labels: z3, state: states['d'] ?? 'up' }),
  ]

  it.each([
    { name: 'zone', states: {}, client: z1, tier: 'zone', ids: ['a', 'b'], dependent: true, note: 'zone z1' },
    {
      name: 'zone at exactly the minimum share',
      states: { a: 'down' },
      client: z1,
      tier: 'zone',
      ids: ['b'],
      dependent: true,
      note: 'zone z1',
    },
    {
      name: 'zone down: region',
      states: { a: 'down', b: 'down' },
      client: z1,
      share: 0.3,
      tier: 'region',
      ids: ['c'],
      dependent: true,
      note: 'zone z1 0/2 up, region r1',
    },
    {
      name: 'zone and region below the share: any',
      states: { a: 'down', b: 'down' },
      client: z1,
      tier: 'any',
      ids: ['c', 'd'],
      dependent: false,
      note: 'zone z1 0/2 up, region r1 1/3 up: any',
    },
    {
      name: 'drained endpoints do not count against a zone',
      states: { a: 'drain' },
      client: z1,
      tier: 'zone',
      ids: ['b'],
      dependent: true,
      note: 'zone z1',
    },
    {
      name: 'region only',
      states: {},
      client: { region: 'r2' },
      tier: 'region',
      ids: ['d'],
      dependent: true,
      note: 'region r2',
    },
    {
      name: 'unknown zone falls to its region',
      states: {},
      client: { region: 'r1', zone: 'z9' },
      tier: 'region',
      ids: ['a', 'b', 'c'],
      dependent: true,
      note: 'zone z9 0/0 up, region r1',
    },
    {
      name: 'zone names match within the client region',
      states: {},
      client: { region: 'r2', zone: 'z1' },
      tier: 'region',
      ids: ['d'],
      dependent: true,
      note: 'zone z1 0/0 up, region r2',
    },
    {
      name: 'client elsewhere: any',
      states: {},
      client: { region: 'r9', zone: 'z9' },
      tier: 'any',
      ids: ['a', 'b', 'c', 'd'],
      dependent: false,
      note: 'zone z9 0/0 up, region r9 0/0 up: any',
    },
    {
      name: 'no client locality',
      states: {},
      client: undefined,
      tier: 'none',
      ids: ['a', 'b', 'c', 'd'],
      dependent: false,
    },
    {
      name: 'empty client locality',
      states: {},
      client: {},
      tier: 'none',
      ids: ['a', 'b', 'c', 'd'],
      dependent: false,
    },
    {
      name: 'locality disabled',
      states: {},
      client: z1,
      enabled: false,
      tier: 'none',
      ids: ['a', 'b', 'c', 'd'],
      dependent: false,
    },
  ] as const)('$name', ({ states, client, tier, ids: expected, dependent, ...rest }) => {
    const share = 'share' in rest ? rest.share : 0.5
    const enabled = 'enabled' in rest ? rest.enabled : true
    const selection = run(pool(states), { locality: { enabled, minHealthyShare: share } }, client)
    expect(selection.localityTier).toBe(tier)
    expect(ids(selection)).toEqual(expected)
    expect(selection.localityDependent).toBe(dependent)
    const note = 'note' in rest ? rest.note : undefined
    expect(selection.steps.find((s) => s.step === 'locality')?.detail).toBe(note)
    if (note !== undefined) expect(selection.reason.endsWith(`; ${note}`)).toBe(true)
  })

  it('a zone below the minimum share spills to the region', () => {
    const candidates = [
      v('a', { labels: z1 }),
      v('b', { labels: z1, state: 'down' }),
      v('c', { labels: z1, state: 'down' }),
      v('d', { labels: z2 }),
      v('e', { labels: z2 }),
      v('f', { labels: z2 }),
    ]
    const selection = run(candidates, {}, z1)
    expect(selection.localityTier).toBe('region')
    expect(ids(selection)).toEqual(['a', 'd', 'e', 'f'])
    expect(selection.localityDependent).toBe(false)
  })

  it.each([
    { name: 'zone first, then its region, then the rest', states: {}, first: ['a', 'b'], then: ['c', 'd'] },
    {
      name: 'zone down: region first',
      states: { a: 'down', b: 'down' },
      share: 0.3,
      first: ['c'],
      then: ['d'],
    },
    { name: 'a drained endpoint stays out', states: { a: 'drain' }, first: ['b'], then: ['c', 'd'] },
    { name: 'down endpoints stay out', states: { c: 'down', d: 'down' }, first: ['a', 'b'], then: [] },
  ] as const)('mode first: $name', ({ states, first, then, ...rest }) => {
    const share = 'share' in rest ? rest.share : 0.5
    const input = { locality: { mode: 'first', minHealthyShare: share } } as const
    for (const seed of [1, 2, 3, 4]) {
      const options = policySchema.parse({ maxAnswers: 64, ...input })
      const selection = select(pool(states), { locality: z1 }, options, start, seededRng(seed), 0)
      const order = selection.endpoints.map((e) => e.id)
      expect([...order.slice(0, first.length)].sort()).toEqual(first)
      expect(order.slice(first.length)).toEqual(then)
    }
    // The server's precomputed rotations keep the same order of tiers.
    const { orderings } = variants(
      pool(states),
      { locality: z1 },
      policySchema.parse(input),
      start,
      seededRng(1),
      0,
    )
    expect(orderings.length).toBeGreaterThan(0)
    for (const ordering of orderings) {
      const order = ordering.map((e) => e.id)
      expect([...order.slice(0, first.length)].sort()).toEqual(first)
      expect(order.slice(first.length)).toEqual(then)
    }
  })

  it('is not locality dependent when the whole pool is in the client zone', () => {
    const selection = run([v('a', { labels: z1 }), v('b', { labels: z1 })], {}, z1)
    expect(selection.localityTier).toBe('zone')
    expect(selection.localityDependent).toBe(false)
  })

  it('ignores locality in panic', () => {
    const candidates = [
      v('a', { labels: z1 }),
      v('b', { labels: z2, state: 'down' }),
      v('c', { labels: z3, state: 'down' }),
    ]
    const selection = run(candidates, {}, z1)
    expect(selection.panic).toBe(true)
    expect(selection.localityTier).toBe('none')
    expect(selection.localityDependent).toBe(false)
    expect(ids(selection)).toEqual(['a', 'b', 'c'])
  })

  it('applies locality after priority: only the active group counts', () => {
    const candidates = [v('a', { labels: z3 }), v('s', { labels: z1, priority: 1 })]
    const selection = run(candidates, {}, z1)
    expect(selection.localityTier).toBe('any')
    expect(ids(selection)).toEqual(['a'])
  })
})

describe('select: all down', () => {
  const candidates = () => [
    v('a', { state: 'down' }),
    v('b', { state: 'unknown' }),
    v('c', { state: 'down', priority: 1 }),
    v('d', { state: 'drain', priority: 1 }),
    v('e', { state: 'down', priority: 2, weight: 0 }),
  ]

  it('fail-open answers every non-drained endpoint, in priority order', () => {
    const selection = run(candidates())
    expect(selection.endpoints.map((e) => e.id).slice(2)).toEqual(['c', 'e'])
    expect(ids(selection)).toEqual(['a', 'b', 'c', 'e'])
    expect(selection).toMatchObject({
      outcome: 'all-down',
      allDownAction: 'fail-open',
      failedOpen: true,
      panic: false,
      localityTier: 'none',
      localityDependent: false,
      ttlSec: 5,
      reason: 'all down: 0/4 up (1 drained); fail-open: answering all 4',
    })
  })

  it('fail-open is capped at maxAnswers, better priorities first', () => {
    expect(ids(run(candidates(), { maxAnswers: 2 }))).toEqual(['a', 'b'])
  })

  it.each(['backup', 'nodata', 'servfail'] as const)('%s answers nothing and names the action', (allDown) => {
    const selection = run(candidates(), { allDown })
    expect(selection.endpoints).toEqual([])
    expect(selection).toMatchObject({
      outcome: 'all-down',
      allDownAction: allDown,
      failedOpen: false,
      ttlSec: 5,
    })
    expect(selection.reason).toBe(`all down: 0/4 up (1 drained); ${allDown}`)
  })

  it('an empty name is all down', () => {
    const selection = run([], { allDown: 'fail-open' })
    expect(selection).toMatchObject({
      endpoints: [],
      outcome: 'all-down',
      failedOpen: false,
      activePriority: 0,
    })
  })

  it('fail-open with everything drained has nothing to answer', () => {
    const selection = run([v('a', { state: 'drain' })])
    expect(selection.endpoints).toEqual([])
    expect(selection.failedOpen).toBe(false)
  })
})

describe('select: ordering', () => {
  it('all: answers a rotation of the chosen endpoints', () => {
    const candidates = ['a', 'b', 'c', 'd'].map((id) => v(id))
    const options = policySchema.parse({})
    const seen = new Set<string>()
    for (let seed = 0; seed < 40; seed++) {
      const order = select(candidates, {}, options, start, seededRng(seed), 0).endpoints.map((e) => e.id)
      expect('abcdabcd').toContain(order.join(''))
      seen.add(order[0]!)
    }
    expect(seen.size).toBe(4)
  })

  it('weighted: draws maxAnswers distinct endpoints', () => {
    const candidates = ['a', 'b', 'c'].map((id) => v(id))
    const options = policySchema.parse({ kind: 'weighted', maxAnswers: 3 })
    const selection = select(candidates, {}, options, start, seededRng(3), 0)
    expect(ids(selection)).toEqual(['a', 'b', 'c'])
    const single = select(candidates, {}, policySchema.parse({ kind: 'weighted' }), start, seededRng(3), 0)
    expect(single.endpoints).toHaveLength(1)
  })

  it('weighted: the first answer follows the weights', () => {
    const candidates = [v('a', { weight: 3 }), v('b', { weight: 1 }), v('z', { weight: 0 })]
    const options = policySchema.parse({ kind: 'weighted', maxAnswers: 2 })
    const rng = seededRng(11)
    const runs = 2000
    const orders = Array.from(
      { length: runs },
      () => select(candidates, {}, options, start, rng, 0).endpoints,
    )
    expect(orders.filter((o) => o.length !== 2 || o[0] === o[1] || o.some((e) => e.id === 'z'))).toEqual([])
    const share = orders.filter((o) => o[0]!.id === 'a').length / runs
    expect(share).toBeGreaterThan(0.71)
    expect(share).toBeLessThan(0.79)
  })
})
