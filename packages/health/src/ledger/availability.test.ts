import { describe, expect, it } from 'vitest'
import { isNinesError } from '@nines/core'
import {
  MAX_NINES,
  allowedDowntimeMs,
  availability,
  errorBudget,
  formatDuration,
  ninesOf,
} from './availability.js'

const YEAR_MS = 365 * 86_400_000

describe('the seed table (365-day year)', () => {
  it.each([
    [2, 0.99, '3 days, 15 hours, 36 minutes'],
    [3, 0.999, '8 hours, 45 minutes, 36 seconds'],
    [4, 0.9999, '52 minutes, 33 seconds'],
    [5, 0.99999, '5 minutes, 15 seconds'],
  ])('%i nines = %f → %s of annual downtime', (nines, slo, text) => {
    expect(ninesOf(slo)).toBe(nines)
    expect(formatDuration(allowedDowntimeMs(slo, YEAR_MS))).toBe(text)
  })

  it('truncates 3153.6 s to 33 seconds, as the seed does', () => {
    expect(allowedDowntimeMs(0.9999, YEAR_MS)).toBe(3_153_600)
    expect(formatDuration(3_153_999)).toBe('52 minutes, 33 seconds')
  })
})

describe('ninesOf', () => {
  it.each([
    [0.99916, 3],
    [0.99997, 4],
    [0.99, 2],
    [0.999, 3],
    [0.9999, 4],
    [0.99899, 2],
    [0.9, 1],
    [0.95, 1],
    [0.899, 0],
    [0.5, 0],
    [0, 0],
    [1, MAX_NINES],
    [1 - 1e-12, MAX_NINES],
  ])('%f → %i', (fraction, nines) => {
    expect(ninesOf(fraction)).toBe(nines)
  })

  it('rejects a fraction outside 0..1', () => {
    expect(() => ninesOf(1.5)).toThrow(/fraction/)
    expect(() => ninesOf(Number.NaN)).toThrow(/fraction/)
  })
})

describe('availability', () => {
  it.each([
    [0, 0, 1],
    [1000, 0, 1],
    [1000, 10, 0.99],
    [1000, 1000, 0],
    [1000, 5000, 0],
  ])('total %i, down %i → %f', (totalMs, downtimeMs, expected) => {
    expect(availability(totalMs, downtimeMs)).toBeCloseTo(expected, 12)
  })

  it('rejects negative times with NINES_ERR_INVALID_ARGUMENT', () => {
    let error: unknown
    try {
      availability(-1, 0)
    } catch (e) {
      error = e
    }
    expect(isNinesError(error, 'NINES_ERR_INVALID_ARGUMENT')).toBe(true)
  })
})

describe('errorBudget', () => {
  it('splits the allowed downtime into used and remaining', () => {
    expect(errorBudget(0.999, 1_000_000, 400)).toEqual({
      allowedMs: 1000,
      usedMs: 400,
      remainingMs: 600,
      remainingFraction: 0.6,
    })
  })

  it('goes negative when overspent', () => {
    const budget = errorBudget(0.999, 1_000_000, 2500)
    expect(budget.remainingMs).toBe(-1500)
    expect(budget.remainingFraction).toBe(-1.5)
  })

  it('with no budget at all: whole while unused, -Infinity once spent', () => {
    expect(errorBudget(1, 1_000_000, 0).remainingFraction).toBe(1)
    expect(errorBudget(1, 1_000_000, 1).remainingFraction).toBe(Number.NEGATIVE_INFINITY)
  })

  it('rounds the allowed downtime to whole milliseconds', () => {
    expect(allowedDowntimeMs(0.9999, 3_600_000)).toBe(360)
    expect(allowedDowntimeMs(0.99999, 86_400_000)).toBe(864)
  })
})

describe('formatDuration', () => {
  it.each([
    [0, '0 milliseconds'],
    [360, '360 milliseconds'],
    [1000, '1 second'],
    [61_000, '1 minute, 1 second'],
    [90_061_000, '1 day, 1 hour, 1 minute, 1 second'],
    [2 * 86_400_000 + 7_200_000, '2 days, 2 hours'],
    [1_999.6, '2 seconds'],
    [-61_000, '-1 minute, 1 second'],
  ])('%f ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })
})
