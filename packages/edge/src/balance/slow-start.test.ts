import { describe, expect, it } from 'vitest'
import { slowStartFactor } from './slow-start.js'

const window = { windowMs: 30_000, minShare: 0.1 }

describe('slowStartFactor', () => {
  it.each([
    { name: 'no recovery time: full weight', upSince: undefined, now: 0, expected: 1 },
    { name: 'just back: the minimum share', upSince: 1_000, now: 1_000, expected: 0.1 },
    { name: 'below the minimum share: the minimum', upSince: 1_000, now: 2_500, expected: 0.1 },
    { name: 'a quarter through', upSince: 1_000, now: 8_500, expected: 0.25 },
    { name: 'half way', upSince: 1_000, now: 16_000, expected: 0.5 },
    { name: 'at the end of the window', upSince: 1_000, now: 31_000, expected: 1 },
    { name: 'long after', upSince: 1_000, now: 900_000, expected: 1 },
    { name: 'clock stepped back: the minimum', upSince: 5_000, now: 1_000, expected: 0.1 },
  ])('$name', ({ upSince, now, expected }) => {
    expect(slowStartFactor(upSince, now, window)).toBeCloseTo(expected, 10)
  })

  it('is off with a zero window', () => {
    expect(slowStartFactor(1_000, 1_000, { windowMs: 0, minShare: 0.1 })).toBe(1)
  })
})
