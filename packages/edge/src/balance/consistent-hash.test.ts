import { seededRng } from '@nines/core'
import { describe, expect, it } from 'vitest'
import { HashPicker } from './consistent-hash.js'
import { HashRing, hash32 } from './hash-ring.js'
import type { Candidate } from './types.js'

function candidate(id: string, weight = 1, outstanding = 0): Candidate {
  return { endpoint: { id, address: '127.0.0.1', port: 1, weight, labels: {} }, outstanding }
}

function picker(candidates: Candidate[], epsilon = 0.25, eligible?: number[]): HashPicker {
  const ring = new HashRing(candidates)
  const mask = Uint8Array.from(candidates, (_, i) => (eligible === undefined || eligible.includes(i) ? 1 : 0))
  return new HashPicker(ring, mask, epsilon, seededRng(1))
}

const keys = Array.from({ length: 5_000 }, (_, i) => `user-${i}`)

function owners(p: HashPicker): string[] {
  return keys.map((k) => p.pick(k, undefined)?.endpoint.id ?? '-')
}

describe('hash32', () => {
  it('is stable across runs and spreads similar strings', () => {
    expect(hash32('')).toBe(hash32(''))
    expect(hash32('user-1')).not.toBe(hash32('user-2'))
    const high = keys.filter((k) => hash32(k) >= 2 ** 31).length
    expect(high / keys.length).toBeCloseTo(0.5, 1)
  })
})

describe('HashPicker', () => {
  it('sends the same key to the same endpoint', () => {
    const p = picker(['a', 'b', 'c'].map((id) => candidate(id)))
    expect(owners(p)).toEqual(owners(p))
  })

  it.each([
    { name: 'equal weights', weights: [1, 1, 1, 1], expected: [0.25, 0.25, 0.25, 0.25] },
    { name: 'weights 1:3', weights: [1, 3], expected: [0.25, 0.75] },
  ])('spreads keys by weight: $name', ({ weights, expected }) => {
    const ids = owners(picker(weights.map((w, i) => candidate(`e${i}`, w))))
    expected.forEach((share, i) => {
      expect(ids.filter((id) => id === `e${i}`).length / ids.length).toBeGreaterThan(share - 0.06)
      expect(ids.filter((id) => id === `e${i}`).length / ids.length).toBeLessThan(share + 0.06)
    })
  })

  it('moves only the keys of a removed endpoint', () => {
    const all = ['a', 'b', 'c', 'd', 'e'].map((id) => candidate(id))
    const before = owners(picker(all))
    const after = owners(picker(all.filter((c) => c.endpoint.id !== 'c')))
    const moved = keys.filter((_, i) => before[i] !== after[i])
    expect(moved.length).toBeGreaterThan(0)
    expect(moved.every((k) => before[keys.indexOf(k)] === 'c')).toBe(true)
    expect(after).not.toContain('c')
  })

  it('skips ineligible endpoints to the next on the ring, and keeps the others in place', () => {
    const all = ['a', 'b', 'c', 'd'].map((id) => candidate(id))
    const before = owners(picker(all))
    const masked = owners(picker(all, 0.25, [0, 1, 3]))
    // The same as removing c: health changes need no ring rebuild.
    expect(masked).toEqual(owners(picker(all.filter((c) => c.endpoint.id !== 'c'))))
    keys.forEach((_, i) => before[i] !== 'c' && expect(masked[i]).toBe(before[i]))
  })

  it.each([
    { epsilon: 0.25, weights: [1, 1, 1, 1] },
    { epsilon: 0.1, weights: [1, 1, 1] },
    { epsilon: 0.5, weights: [1, 2, 1] },
  ])(
    'never exceeds ceil((1 + $epsilon) × fair share) with every request held: weights $weights',
    ({ epsilon, weights }) => {
      const candidates = weights.map((w, i) => candidate(`e${i}`, w))
      const p = picker(candidates, epsilon)
      const total = weights.reduce((a, b) => a + b, 0)
      // One hot key: without the bound every request would land on one endpoint.
      for (let m = 1; m <= 600; m++) {
        const c = p.pick(m % 10 === 0 ? `user-${m}` : 'hot', undefined) as Candidate
        c.outstanding++
        candidates.forEach((x) => {
          expect(x.outstanding).toBeLessThanOrEqual(
            Math.ceil(((1 + epsilon) * m * x.endpoint.weight) / total),
          )
        })
      }
    },
  )

  it('keeps a key at home while its home is under the bound', () => {
    const candidates = ['a', 'b', 'c'].map((id) => candidate(id, 1, 4))
    const p = picker(candidates)
    const home = p.pick('k', undefined) as Candidate
    // 12 in flight, 13 with this one: bound ceil(1.25 × 13 / 3) = 6; home has 4 → stays.
    expect(p.pick('k', undefined)).toBe(home)
    home.outstanding = 6
    // Now 14 in flight, bound ceil(1.25 × 15 / 3) = 7; home at 6 still fits; at 7 it spills.
    expect(p.pick('k', undefined)).toBe(home)
    home.outstanding = 7
    expect(p.pick('k', undefined)).not.toBe(home)
  })

  it('honours allow, and gives the nearest allowed one even over the bound', () => {
    const candidates = [candidate('a', 1, 0), candidate('b', 1, 50)]
    const p = picker(candidates)
    expect(p.pick('k', (c) => c.endpoint.id === 'b')?.endpoint.id).toBe('b')
    expect(p.pick('k', () => false)).toBeUndefined()
  })

  it('returns undefined when nothing is eligible', () => {
    expect(picker([candidate('a')], 0.25, []).pick('k', undefined)).toBeUndefined()
    expect(picker([]).pick('k', undefined)).toBeUndefined()
  })
})
