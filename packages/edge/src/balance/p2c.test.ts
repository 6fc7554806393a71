import { ManualClock, seededRng } from '@nines/core'
import { describe, expect, it } from 'vitest'
import { P2cPicker } from './p2c.js'
import type { Candidate } from './types.js'
import { WeightTable } from './weights.js'

function candidate(id: string, weight: number, outstanding = 0, upSinceMs?: number): Candidate {
  return { endpoint: { id, address: '127.0.0.1', port: 1, weight, labels: {} }, outstanding, upSinceMs }
}

const noSlowStart = { windowMs: 0, minShare: 0.1 }

function shares(candidates: Candidate[], picks: number, seed = 1, clock = new ManualClock()) {
  const picker = new P2cPicker(
    new WeightTable(candidates, { windowMs: 30_000, minShare: 0.1 }, clock),
    seededRng(seed),
  )
  const counts = new Map<string, number>()
  for (let i = 0; i < picks; i++) {
    const id = picker.pick(undefined, undefined)?.endpoint.id ?? 'none'
    counts.set(id, (counts.get(id) ?? 0) + 1)
  }
  return (id: string) => (counts.get(id) ?? 0) / picks
}

describe('P2cPicker', () => {
  it.each([
    { name: 'equal weights, idle', weights: [1, 1], expected: [0.5, 0.5] },
    // Idle endpoints tie on load, so the first weighted draw decides: shares follow the weights.
    { name: 'weights 1:3, idle', weights: [1, 3], expected: [0.25, 0.75] },
    { name: 'weights 1:1:2, idle', weights: [1, 1, 2], expected: [0.25, 0.25, 0.5] },
    { name: 'weight 0 beside others: never', weights: [0, 1], expected: [0, 1] },
    { name: 'only weight 0: shared equally', weights: [0, 0], expected: [0.5, 0.5] },
  ])('$name', ({ weights, expected }) => {
    const share = shares(
      weights.map((w, i) => candidate(`e${i}`, w)),
      40_000,
    )
    expected.forEach((e, i) => expect(share(`e${i}`)).toBeCloseTo(e, 1))
  })

  it('always draws two distinct candidates: the less loaded of two always wins', () => {
    // With two candidates, distinct draws mean every pick compares both; the idle one must win each time.
    const share = shares([candidate('busy', 1, 5), candidate('idle', 1, 0)], 10_000)
    expect(share('idle')).toBe(1)
  })

  it('biases away from outstanding requests, relative to weight', () => {
    // Scores (outstanding / weight): e0 1, e1 0, e2 3: e1 wins whenever drawn, e2 only against itself.
    const share = shares([candidate('e0', 2, 2), candidate('e1', 1, 0), candidate('e2', 1, 3)], 40_000)
    expect(share('e1')).toBeGreaterThan(share('e0'))
    expect(share('e2')).toBeLessThan(0.05)
  })

  it('keeps load even when each pick holds its request', () => {
    const candidates = [candidate('a', 1), candidate('b', 1), candidate('c', 1), candidate('d', 1)]
    const picker = new P2cPicker(new WeightTable(candidates, noSlowStart, new ManualClock()), seededRng(7))
    for (let i = 0; i < 400; i++) (picker.pick(undefined, undefined) as Candidate).outstanding++
    const loads = candidates.map((c) => c.outstanding)
    // Random would spread by about ±20; two choices keep the gap within a few requests.
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(3)
  })

  it('ramps a recovering endpoint with slow start', () => {
    const clock = new ManualClock(0)
    const make = () => [candidate('old', 1), candidate('new', 1, 0, 0)]
    // minShare 0.1 at t=0 → 0.1:1; half way → 0.5:1; after the window → 1:1.
    expect(shares(make(), 40_000, 3, clock)('new')).toBeCloseTo(0.1 / 1.1, 1)
    clock.advance(15_000)
    expect(shares(make(), 40_000, 3, clock)('new')).toBeCloseTo(0.5 / 1.5, 1)
    clock.advance(15_000)
    expect(shares(make(), 40_000, 3, clock)('new')).toBeCloseTo(0.5, 1)
  })

  it('refreshes ramping weights as time passes, without a rebuild', () => {
    const clock = new ManualClock(0)
    const candidates = [candidate('old', 1), candidate('new', 1, 0, 0)]
    const picker = new P2cPicker(
      new WeightTable(candidates, { windowMs: 30_000, minShare: 0.1 }, clock),
      seededRng(5),
    )
    const newShare = () => {
      let n = 0
      for (let i = 0; i < 20_000; i++) if (picker.pick(undefined, undefined)?.endpoint.id === 'new') n++
      return n / 20_000
    }
    expect(newShare()).toBeCloseTo(0.1 / 1.1, 1)
    clock.advance(30_000)
    expect(newShare()).toBeCloseTo(0.5, 1)
  })

  it('picks only allowed candidates, and none when none is allowed', () => {
    const candidates = [candidate('a', 1), candidate('b', 3), candidate('c', 1)]
    const picker = new P2cPicker(new WeightTable(candidates, noSlowStart, new ManualClock()), seededRng(2))
    const seen = new Set<string>()
    for (let i = 0; i < 1_000; i++)
      seen.add(picker.pick(undefined, (c) => c.endpoint.id !== 'b')?.endpoint.id ?? 'none')
    expect([...seen].sort()).toEqual(['a', 'c'])
    expect(picker.pick(undefined, () => false)).toBeUndefined()
  })

  it('returns undefined without candidates', () => {
    const picker = new P2cPicker(new WeightTable([], noSlowStart, new ManualClock()), seededRng(1))
    expect(picker.pick(undefined, undefined)).toBeUndefined()
  })
})
