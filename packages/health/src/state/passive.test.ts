import { isNinesError, type ObservedState } from '@nines/core'
import { describe, expect, it } from 'vitest'
import {
  combineActivePassive,
  passiveSchema,
  passiveVerdict,
  passiveWindow,
  recordPassive,
  type PassiveOutcome,
  type PassiveWindow,
} from './passive.js'

const fail = { ok: false, latencyMs: 30 }
const pass = { ok: true, latencyMs: 5 }

/** Records samples (`f`/`s`) at the given times; returns every outcome. */
function feed(window: PassiveWindow, samples: string, times: readonly number[]): PassiveOutcome[] {
  const outcomes: PassiveOutcome[] = []
  let current = window
  ;[...samples].forEach((s, i) => {
    const outcome = recordPassive(current, s === 'f' ? fail : pass, times[i] ?? 0)
    outcomes.push(outcome)
    current = outcome.window
  })
  return outcomes
}

describe('passive window', () => {
  it('defaults to 5 failures in 10 s', () => {
    expect(passiveSchema.parse({})).toEqual({ enabled: true, failures: 5, windowMs: 10_000 })
  })

  it('is down at the fifth failure inside the window, with a stable reason', () => {
    const outcomes = feed(passiveWindow(), 'fffff', [1000, 2000, 3000, 4000, 5000])
    expect(outcomes.map((o) => o.down)).toEqual([false, false, false, false, true])
    expect(outcomes[3]?.reason).toBe('passive: 4/5 failures in 10s')
    expect(outcomes[4]).toMatchObject({
      reason: 'passive: 5 failures in 10s',
      failures: 5,
      downUntilMs: 11_000,
    })
  })

  it.each([
    // Failures spread wider than the window never add up.
    ['spread over 12 s', 'fffff', [0, 3000, 6000, 9000, 12_000], false],
    ['the first one just left (10 s old)', 'fffff', [0, 2500, 5000, 7500, 10_000], false],
    ['the first one 1 ms inside', 'fffff', [1, 2500, 5000, 7500, 10_000], true],
    // Successes do not clear the window: it counts failures per time, not a streak.
    ['with successes in between', 'ffsffsf', [0, 1, 2, 3, 4, 5, 6], true],
    ['successes only', 'sssss', [0, 1, 2, 3, 4], false],
  ] as const)('%s → down %s', (_name, samples, times, down) => {
    expect(feed(passiveWindow(), samples, times).at(-1)?.down).toBe(down)
  })

  it('clears as time passes without samples', () => {
    const last = feed(passiveWindow(), 'fffff', [1000, 2000, 3000, 4000, 5000]).at(-1)!
    expect(passiveVerdict(last.window, 10_999).down).toBe(true)
    expect(passiveVerdict(last.window, 11_000)).toMatchObject({ down: false, failures: 4 })
    expect(passiveVerdict(last.window, 15_000)).toMatchObject({ down: false, failures: 0 })
  })

  it('keeps at most `failures` timestamps, the newest, in time order', () => {
    const times = Array.from({ length: 100 }, (_, i) => 100 - i)
    const last = feed(passiveWindow(), 'f'.repeat(100), times).at(-1)!
    expect(last.window.failuresAt).toEqual([96, 97, 98, 99, 100])
  })

  it('when disabled, records nothing and is never down', () => {
    const outcomes = feed(passiveWindow({ enabled: false }), 'ffffffff', [1, 2, 3, 4, 5, 6, 7, 8])
    expect(outcomes.every((o) => !o.down && o.reason === 'passive: disabled')).toBe(true)
    expect(outcomes.at(-1)?.window.failuresAt).toEqual([])
  })

  it('takes a config per call (one per monitor) and keeps it with the window', () => {
    const config = passiveSchema.parse({ failures: 2, windowMs: 1500 })
    const first = recordPassive(passiveWindow(), fail, config, 0)
    const second = recordPassive(first.window, fail, config, 1000)
    expect(second).toMatchObject({ down: true, reason: 'passive: 2 failures in 1500ms', downUntilMs: 1500 })
    expect(second.window.config).toBe(config)
  })

  it('rejects a bad config with InvalidArgumentError naming the field', () => {
    let caught: unknown
    try {
      passiveWindow({ failures: 0 })
    } catch (error) {
      caught = error
    }
    expect(isNinesError(caught, 'NINES_ERR_INVALID_ARGUMENT')).toBe(true)
    expect((caught as Error).message).toMatch(/^passive\.failures: /)
  })
})

describe('combineActivePassive', () => {
  it.each([
    ['up', false, 'up'],
    ['up', true, 'down'],
    ['unknown', true, 'down'],
    // A passive success never overrules an active failure or lifts an unknown.
    ['down', false, 'down'],
    ['unknown', false, 'unknown'],
    ['down', true, 'down'],
  ] as const)('active %s, passive down %s → %s', (active, passiveDown, expected) => {
    expect(combineActivePassive(active, passiveDown)).toBe(expected)
  })

  it('a stream of passive successes leaves an actively down endpoint down', () => {
    const outcomes = feed(passiveWindow(), 'sssssssss', [0, 1, 2, 3, 4, 5, 6, 7, 8])
    const active: ObservedState = 'down'
    expect(outcomes.map((o) => combineActivePassive(active, o.down))).toEqual(Array(9).fill('down'))
  })
})
