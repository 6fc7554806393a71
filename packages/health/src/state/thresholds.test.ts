import { isNinesError } from '@nines/core'
import { describe, expect, it } from 'vitest'
import { checkTiming, httpCheckSchema } from '../check.js'
import { dampingDefaults, dampingSchema, decayPenalty, penaltyDecaysAt } from './damping.js'
import { thresholdsFor } from './thresholds.js'

const timing = checkTiming(httpCheckSchema.parse({ kind: 'http', intervalMs: 4000, rise: 3 }))

describe('thresholdsFor', () => {
  it('takes rise, fall and the schedule from the check timing, with damping on by default', () => {
    expect(thresholdsFor(timing)).toEqual({
      rise: 3,
      fall: 3,
      intervalMs: 4000,
      fastIntervalMs: 2000,
      downIntervalMs: 4000,
      coldStart: 'first-result',
      damping: dampingDefaults,
    })
  })

  it.each([
    [false, false],
    [{ enabled: false }, false],
    [{ halfLifeMs: 60_000 }, { ...dampingDefaults, halfLifeMs: 60_000 }],
    [
      { enabled: true, penalty: 500 },
      { ...dampingDefaults, penalty: 500 },
    ],
  ] as const)('damping %o → %o', (damping, expected) => {
    expect(thresholdsFor(timing, { damping }).damping).toEqual(expected)
  })

  it('throws InvalidArgumentError naming the path for bad damping or timing', () => {
    const attempt = (f: () => unknown) => {
      try {
        f()
      } catch (error) {
        return error
      }
      return undefined
    }
    const damping = attempt(() => thresholdsFor(timing, { damping: { reuseAt: 5000 } }))
    expect(isNinesError(damping, 'NINES_ERR_INVALID_ARGUMENT')).toBe(true)
    expect((damping as Error).message).toBe('damping.reuseAt: expected less than suppressAt (3000), got 5000')
    const rise = attempt(() => thresholdsFor({ ...timing, rise: 0 }))
    expect((rise as Error).message).toBe('timing.rise: expected a positive integer, got 0')
  })
})

describe('dampingSchema', () => {
  it('fills the defaults, enabled included', () => {
    expect(dampingSchema.parse({})).toEqual({ enabled: true, ...dampingDefaults })
  })

  it.each([
    [{ reuseAt: 3000 }, ['reuseAt']],
    [{ maxPenalty: 3000 }, ['maxPenalty']],
    [{ halfLifeMs: 10 }, ['halfLifeMs']],
    [{ penalty: 0 }, ['penalty']],
    [{ typo: 1 }, []],
  ])('rejects %o at %o', (input, path) => {
    const parsed = dampingSchema.safeParse(input)
    expect(parsed.success).toBe(false)
    expect(parsed.error?.issues[0]?.path).toEqual(path)
  })
})

describe('penalty decay', () => {
  it.each([
    [1000, 0, 0, 1000],
    [1000, 0, 120_000, 500],
    [1000, 0, 360_000, 125],
    [1000, 60_000, 180_000, 500],
    // A clock that stepped back does not grow the penalty.
    [1000, 60_000, 0, 1000],
  ])('%i at %i is %i at %i', (penalty, at, now, expected) => {
    expect(decayPenalty(penalty, at, 120_000, now)).toBe(expected)
  })

  it.each([
    [6000, 750, 360_000],
    [3000, 750, 240_000],
    [750, 750, 0],
    [500, 750, 0],
  ])('%i decays to %i after %i ms', (penalty, level, expected) => {
    expect(penaltyDecaysAt(penalty, 0, 120_000, level)).toBe(expected)
  })

  it.each([4000, 3001, 12_000 - 1, 1234.5])(
    'the decay time of %d is the first whole ms at or below reuseAt',
    (p) => {
      const at = penaltyDecaysAt(p, 1000, 120_000, 750)
      expect(decayPenalty(p, 1000, 120_000, at)).toBeLessThanOrEqual(750)
      expect(decayPenalty(p, 1000, 120_000, at - 1)).toBeGreaterThan(750)
    },
  )
})
