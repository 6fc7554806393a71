import { describe, expect, it } from 'vitest'
import { mathRng, seededRng } from './rng.js'

describe('seededRng', () => {
  it('is reproducible for a seed and differs between seeds', () => {
    const a = seededRng(42)
    const b = seededRng(42)
    const c = seededRng(43)
    const seqA = Array.from({ length: 5 }, () => a.next())
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA)
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(seqA)
  })

  it('stays in [0, 1) and spreads evenly', () => {
    const rng = seededRng(7)
    const buckets = new Array<number>(10).fill(0)
    let outOfRange = 0
    for (let i = 0; i < 100_000; i++) {
      const x = rng.next()
      if (x < 0 || x >= 1) outOfRange++
      else buckets[Math.floor(x * 10)]!++
    }
    expect(outOfRange).toBe(0)
    for (const count of buckets) expect(count).toBeGreaterThan(9_000)
  })

  it('mathRng stays in [0, 1)', () => {
    const x = mathRng.next()
    expect(x >= 0 && x < 1).toBe(true)
  })
})
