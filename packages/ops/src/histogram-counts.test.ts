import { describe, expect, it } from 'vitest'
import { HistogramCounts } from './histogram-counts.js'

describe('HistogramCounts', () => {
  it.each([
    [0, [1, 0, 0, 0]],
    [0.001, [1, 0, 0, 0]],
    [0.0011, [0, 1, 0, 0]],
    [0.01, [0, 1, 0, 0]],
    [0.05, [0, 0, 1, 0]],
    [0.2, [0, 0, 0, 1]],
    [-1, [1, 0, 0, 0]],
    [Infinity, [0, 0, 0, 1]],
    [NaN, [0, 0, 0, 0]],
  ])('observe(%s) lands in buckets %j (le is inclusive)', (value, counts) => {
    const histogram = new HistogramCounts([0.001, 0.01, 0.1])
    histogram.observe(value)
    expect(Array.from(histogram.counts)).toEqual(counts)
  })

  it('keeps sum and count', () => {
    const histogram = new HistogramCounts([1, 2])
    for (const value of [0.5, 1.5, 2.5, 3]) histogram.observe(value)
    expect(histogram.sum).toBe(7.5)
    expect(histogram.count).toBe(4)
    histogram.reset()
    expect(histogram.count).toBe(0)
    expect(histogram.sum).toBe(0)
  })

  it('adds another histogram with the same bounds and snapshots are copies', () => {
    const primary = new HistogramCounts([1, 2])
    const worker = new HistogramCounts([1, 2])
    worker.observe(0.5)
    worker.observe(5)
    const snapshot = worker.snapshot()
    worker.observe(1.5)
    primary.observe(1.5)
    primary.add(structuredClone(snapshot))
    expect(Array.from(primary.counts)).toEqual([1, 1, 1])
    expect(primary.sum).toBe(7)
    expect(() => primary.add(new HistogramCounts([1, 3]))).toThrow(
      expect.objectContaining({ code: 'NINES_ERR_INVALID_ARGUMENT' }),
    )
  })

  it.each([[[]], [[1, 1]], [[2, 1]], [[1, Infinity]], [[NaN]]])('rejects bounds %j', (bounds) => {
    expect(() => new HistogramCounts(bounds)).toThrow(
      expect.objectContaining({ code: 'NINES_ERR_INVALID_ARGUMENT' }),
    )
  })
})
