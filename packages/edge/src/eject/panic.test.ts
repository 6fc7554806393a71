import type { EffectiveState } from '@nines/core'
import { describe, expect, it } from 'vitest'
import { candidates, panicSchema } from './panic.js'

/** `u` up, `U` up but ejected, `d` down, `n` unknown, `r` drained. */
function pool(spec: string) {
  const states: Record<string, EffectiveState> = { u: 'up', U: 'up', d: 'down', n: 'unknown', r: 'drain' }
  return [...spec].map((c, i) => ({ id: `${c}${i}`, state: states[c] ?? 'down', ejected: c === 'U' }))
}

describe('candidates', () => {
  it.each([
    { spec: 'uuuu', threshold: 50, chosen: 'uuuu', panic: false },
    { spec: 'uudd', threshold: 50, chosen: 'uu', panic: false },
    { spec: 'uddd', threshold: 50, chosen: 'uddd', panic: true },
    { spec: 'uUdd', threshold: 50, chosen: 'uUdd', panic: true },
    { spec: 'uuUd', threshold: 50, chosen: 'uu', panic: false },
    { spec: 'uUUd', threshold: 50, chosen: 'uUUd', panic: true },
    { spec: 'dddd', threshold: 50, chosen: 'dddd', panic: true },
    { spec: 'nnnn', threshold: 50, chosen: 'nnnn', panic: true },
    // Drained endpoints are neither chosen nor counted, even in panic.
    { spec: 'uurr', threshold: 50, chosen: 'uu', panic: false },
    { spec: 'udrr', threshold: 50, chosen: 'u', panic: false },
    { spec: 'uddr', threshold: 50, chosen: 'udd', panic: true },
    { spec: 'rrrr', threshold: 50, chosen: '', panic: false },
    { spec: '', threshold: 50, chosen: '', panic: false },
    // 0 never panics; 100 panics as soon as one is unhealthy.
    { spec: 'dddd', threshold: 0, chosen: '', panic: false },
    { spec: 'uuud', threshold: 100, chosen: 'uuud', panic: true },
    { spec: 'uuu', threshold: 100, chosen: 'uuu', panic: false },
    { spec: 'uudd', threshold: 51, chosen: 'uudd', panic: true },
  ])('$spec at $threshold % → [$chosen], panic $panic', ({ spec, threshold, chosen, panic }) => {
    const result = candidates(pool(spec), { thresholdPercent: threshold })
    expect(result.endpoints.map((e) => e.id[0]).join('')).toBe(chosen)
    expect(result.panic).toBe(panic)
  })

  it('counts healthy and eligible for metrics', () => {
    expect(candidates(pool('uUdr'))).toMatchObject({ healthy: 1, eligible: 3, panic: true })
  })

  it('walks into panic and out of it as endpoints fail and recover', () => {
    const specs = ['uuuu', 'uuud', 'uudd', 'uddd', 'uudd', 'uuud']
    expect(specs.map((s) => candidates(pool(s)).panic)).toEqual([false, false, false, true, false, false])
  })

  it('defaults the threshold to 50 %', () => {
    expect(panicSchema.parse({})).toEqual({ thresholdPercent: 50 })
  })
})
