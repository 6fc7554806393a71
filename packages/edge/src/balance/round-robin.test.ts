import { ManualClock } from '@nines/core'
import { describe, expect, it } from 'vitest'
import { RoundRobinPicker } from './round-robin.js'
import type { Candidate } from './types.js'
import { WeightTable } from './weights.js'

function candidate(id: string, weight: number, upSinceMs?: number): Candidate {
  return { endpoint: { id, address: '127.0.0.1', port: 1, weight, labels: {} }, outstanding: 0, upSinceMs }
}

function sequence(candidates: Candidate[], picks: number, clock = new ManualClock(0)): string {
  const picker = new RoundRobinPicker(new WeightTable(candidates, { windowMs: 10_000, minShare: 0.1 }, clock))
  return Array.from({ length: picks }, () => picker.pick(undefined, undefined)?.endpoint.id ?? '-').join('')
}

describe('RoundRobinPicker', () => {
  it.each([
    { name: 'equal weights take turns', weights: { a: 1, b: 1, c: 1 }, picks: 6, expected: 'abcabc' },
    // nginx's example: 5:1:1 interleaves rather than sending five in a row.
    { name: 'smooth 5:1:1', weights: { a: 5, b: 1, c: 1 }, picks: 7, expected: 'aabacaa' },
    { name: '1:3', weights: { a: 1, b: 3 }, picks: 8, expected: 'babbbabb' },
    { name: 'weight 0 beside others is skipped', weights: { a: 0, b: 1 }, picks: 3, expected: 'bbb' },
    { name: 'only weight 0: turns', weights: { a: 0, b: 0 }, picks: 4, expected: 'abab' },
    { name: 'no candidates', weights: {}, picks: 2, expected: '--' },
  ])('$name', ({ weights, picks, expected }) => {
    expect(
      sequence(
        Object.entries(weights).map(([id, w]) => candidate(id, w)),
        picks,
      ),
    ).toBe(expected)
  })

  it('gives a recovering endpoint its slow-start share', () => {
    const clock = new ManualClock(0)
    // At half the window the newcomer weighs 0.5 against 1: one pick in three.
    clock.advance(5_000)
    const seq = sequence([candidate('a', 1), candidate('n', 1, 0)], 300, clock)
    expect(seq.split('').filter((id) => id === 'n').length).toBe(100)
  })

  it('skips candidates that are not allowed, keeping turns among the rest', () => {
    const picker = new RoundRobinPicker(
      new WeightTable(
        [candidate('a', 1), candidate('b', 1), candidate('c', 1)],
        { windowMs: 0, minShare: 0.1 },
        new ManualClock(),
      ),
    )
    const ids = Array.from(
      { length: 4 },
      () => picker.pick(undefined, (c) => c.endpoint.id !== 'b')?.endpoint.id,
    )
    expect(ids).toEqual(['a', 'c', 'a', 'c'])
    expect(picker.pick(undefined, () => false)).toBeUndefined()
  })
})
