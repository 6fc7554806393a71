import { describe, expect, it } from 'vitest'
import { cpuMs, median, peakRssMb } from './proc.js'

describe('median', () => {
  it.each([
    { values: [3], expected: 3 },
    { values: [5, 1, 3], expected: 3 },
    { values: [4, 1, 3, 2], expected: 2.5 },
    { values: [10, -2, 7, 7, 0], expected: 7 },
  ])('of $values is $expected', ({ values, expected }) => {
    expect(median(values)).toBe(expected)
  })

  it('leaves its input unsorted', () => {
    const values = [3, 1, 2]
    median(values)
    expect(values).toEqual([3, 1, 2])
  })
})

describe('/proc readers', () => {
  it('count this process CPU time as it burns some', () => {
    const before = cpuMs(process.pid)
    // Busy until the 10 ms clock tick moves (bounded, for a machine too busy to give us a tick).
    const until = Date.now() + 5000
    while (cpuMs(process.pid) === before && Date.now() < until) {
      // busy on purpose
    }
    expect(cpuMs(process.pid)).toBeGreaterThan(before)
  })

  it('report a peak RSS close to what Node reports', () => {
    const rssMb = process.memoryUsage().rss / 1024 / 1024
    const peak = peakRssMb(process.pid)
    expect(peak).toBeGreaterThanOrEqual(rssMb * 0.9)
  })
})
