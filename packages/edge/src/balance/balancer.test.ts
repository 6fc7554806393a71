import { ManualClock, seededRng, type EffectiveState } from '@nines/core'
import { describe, expect, it } from 'vitest'
import { createBalancer, type BalancerOptions, type PoolBalancer } from './balancer.js'
import { balanceSchema } from './schema.js'
import type { Candidate, Member, PickContext } from './types.js'

function candidate(id: string, labels: { zone?: string; stack?: string } = {}, weight = 1): Candidate {
  return {
    endpoint: { id, address: '127.0.0.1', port: 1, weight, labels: { region: 'eu', ...labels } },
    outstanding: 0,
  }
}

const up = (c: Candidate, state: EffectiveState = 'up'): Member => ({ candidate: c, state })
const options = (input: object = {}): BalancerOptions => balanceSchema.parse(input)
const deps = (zone?: string) => ({
  clock: new ManualClock(0),
  rng: seededRng(11),
  locality: zone ? { region: 'eu', zone } : undefined,
})

const kinds = [
  { kind: 'p2c' },
  { kind: 'round-robin' },
  { kind: 'hash', hashOn: { header: 'x-user' } },
] as const

describe('PoolBalancer', () => {
  describe.each(kinds)('$kind', (kindOptions) => {
    const pool = () => [
      candidate('a1', { zone: 'a', stack: 'node' }),
      candidate('a2', { zone: 'a', stack: 'hono' }),
      candidate('a3', { zone: 'a', stack: 'node' }),
      candidate('b1', { zone: 'b', stack: 'node' }),
      candidate('b2', { zone: 'b', stack: 'other' }),
    ]
    const picks = (b: PoolBalancer, ctx: PickContext = {}) =>
      [
        ...new Set(Array.from({ length: 300 }, (_, i) => b.pick({ ...ctx, key: `k${i}` })?.endpoint.id)),
      ].sort()
    const states = (candidates: Candidate[], state: Readonly<Record<string, EffectiveState | undefined>>) =>
      candidates.map((c) => up(c, state[c.endpoint.id] ?? 'up'))

    it('picks only from the router zone while it is healthy', () => {
      const b = createBalancer(
        options(kindOptions),
        deps('a'),
        pool().map((c) => up(c)),
      )
      expect(picks(b)).toEqual(['a1', 'a2', 'a3'])
      expect(b.tier).toBe('zone')
    })

    it.each([
      {
        name: 'zone at its threshold stays',
        share: 0.5,
        down: { a2: 'down' },
        tier: 'zone',
        ids: ['a1', 'a3'],
      },
      {
        name: 'zone below its threshold spills',
        share: 0.7,
        down: { a2: 'down' },
        tier: 'region',
        ids: ['a1', 'a3', 'b1', 'b2'],
      },
      {
        name: 'zone without an up endpoint spills',
        share: 0,
        down: { a1: 'down', a2: 'down', a3: 'down' },
        tier: 'region',
        ids: ['b1', 'b2'],
      },
      {
        name: 'locality off',
        share: 0.5,
        down: {},
        tier: 'any',
        ids: ['a1', 'a2', 'a3', 'b1', 'b2'],
        off: true,
      },
    ] as const)('$name', ({ share, down, tier, ids, ...rest }) => {
      const candidates = pool()
      const enabled = !('off' in rest)
      const b = createBalancer(
        options({ ...kindOptions, locality: { enabled, minHealthyShare: share } }),
        deps('a'),
      )
      b.update(states(candidates, down))
      expect(b.tier).toBe(tier)
      expect(picks(b)).toEqual(ids)
      // Back to health: back to the zone.
      b.update(states(candidates, {}))
      expect(b.tier).toBe(enabled ? 'zone' : 'any')
    })

    it('never picks a drained, down or unknown endpoint', () => {
      const b = createBalancer(
        options(kindOptions),
        deps(),
        states(pool(), { a1: 'drain', a2: 'down', a3: 'unknown', b2: 'down' }),
      )
      expect(picks(b)).toEqual(['b1'])
    })

    it('returns undefined when nothing is up', () => {
      const b = createBalancer(
        options(kindOptions),
        deps('a'),
        pool().map((c) => up(c, 'down')),
      )
      expect(b.pick({ key: 'k' })).toBeUndefined()
      expect(createBalancer(options(kindOptions), deps()).pick()).toBeUndefined()
    })

    it.each([
      { name: 'another stack in the zone', exclude: ['a1'], avoid: ['node'], expected: ['a2'] },
      { name: 'an untried stack in the zone', exclude: ['a2'], avoid: ['hono'], expected: ['a1', 'a3'] },
      // a3 is in the zone but on a tried stack: another stack matters more than locality.
      {
        name: 'out of the zone for another stack',
        exclude: ['a1', 'a2'],
        avoid: ['node', 'hono'],
        expected: ['b2'],
      },
      {
        name: 'a tried stack, in the zone, when no stack is left',
        exclude: ['a1', 'a2', 'b2'],
        avoid: ['node', 'hono', 'other'],
        expected: ['a3'],
      },
      {
        name: 'out of the zone when the zone is used up',
        exclude: ['a1', 'a2', 'a3', 'b2'],
        avoid: ['node', 'hono', 'other'],
        expected: ['b1'],
      },
      {
        name: 'nothing when all were tried',
        exclude: ['a1', 'a2', 'a3', 'b1', 'b2'],
        avoid: [],
        expected: [undefined],
      },
    ])('retry: $name', ({ exclude, avoid, expected }) => {
      const b = createBalancer(
        options(kindOptions),
        deps('a'),
        pool().map((c) => up(c)),
      )
      expect(picks(b, { exclude: new Set(exclude), avoidStacks: new Set(avoid) })).toEqual(expected)
    })
  })

  it('p2c: weights 1:3 give shares 1:3 over many picks', () => {
    const b = createBalancer(options(), deps(), [up(candidate('l', {}, 1)), up(candidate('h', {}, 3))])
    let heavy = 0
    for (let i = 0; i < 40_000; i++) if (b.pick()?.endpoint.id === 'h') heavy++
    expect(heavy / 40_000).toBeGreaterThan(0.73)
    expect(heavy / 40_000).toBeLessThan(0.77)
  })

  it('hash: falls back to the pool when the tier has no point on the ring', () => {
    const members = [up(candidate('a0', { zone: 'a' }, 0)), up(candidate('b1', { zone: 'b' }, 1))]
    const b = createBalancer(options({ kind: 'hash', hashOn: { cookie: 's' } }), deps('a'), members)
    expect(b.tier).toBe('zone')
    expect(b.pick({ key: 'k' })?.endpoint.id).toBe('b1')
  })

  it('hash: rebuilds the ring only when membership or weights change', () => {
    const candidates = [candidate('a'), candidate('b'), candidate('c')]
    const b = createBalancer(
      options({ kind: 'hash', hashOn: { cookie: 's' } }),
      deps(),
      candidates.map((c) => up(c)),
    )
    const homes = Array.from({ length: 300 }, (_, i) => b.pick({ key: `k${i}` })?.endpoint.id)
    b.update(candidates.map((c) => up(c, c.endpoint.id === 'b' ? 'down' : 'up')))
    b.update(candidates.map((c) => up(c)))
    // b came back: every key is home again.
    expect(Array.from({ length: 300 }, (_, i) => b.pick({ key: `k${i}` })?.endpoint.id)).toEqual(homes)
  })
})
