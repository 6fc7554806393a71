import { describe, expect, it } from 'vitest'
import { percentile } from './percentile.js'

describe('percentile', () => {
  it('takes the nearest rank, so p99 of 100 values is the 99th and p99.9 the largest', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(values, 50)).toBe(50)
    expect(percentile(values, 99)).toBe(99)
    expect(percentile(values, 99.9)).toBe(100)
    expect(percentile([7], 0)).toBe(7)
    expect(percentile([], 50)).toBeNaN()
  })
})
