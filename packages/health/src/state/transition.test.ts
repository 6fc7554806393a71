import type { ObservedState, ProbeResult } from '@nines/core'
import { describe, expect, it } from 'vitest'
import type { CheckTiming } from '../check.js'
import { decayPenalty, suppressionEndsAt, type DampingInput } from './damping.js'
import { initialHealth, type EndpointHealth } from './endpoint-health.js'
import { thresholdsFor, type ColdStart } from './thresholds.js'
import { expireSuppression, transition, type TransitionOutcome } from './transition.js'

const timing: CheckTiming = {
  intervalMs: 2000,
  timeoutMs: 1000,
  rise: 2,
  fall: 3,
  fastIntervalMs: 1000,
  downIntervalMs: 5000,
  jitter: 0,
  retries: 0,
}
const ok: ProbeResult = { ok: true, latencyMs: 3, detail: 'status 200' }
const bad: ProbeResult = { ok: false, latencyMs: 1000, detail: 'timeout' }
const letter: Record<ObservedState, string> = { up: 'u', down: 'd', unknown: '?' }

function thresholds(
  options: { rise?: number; fall?: number; coldStart?: ColdStart; damping?: DampingInput | false } = {},
) {
  const { rise = timing.rise, fall = timing.fall, ...rest } = options
  return thresholdsFor({ ...timing, rise, fall }, { damping: false, ...rest })
}

/** Feeds `s`/`f` results one second apart from `startAt`; returns every outcome. */
function run(
  state: EndpointHealth,
  results: string,
  th: ReturnType<typeof thresholds>,
  startAt = 10_000,
  stepMs = 1000,
): TransitionOutcome[] {
  const outcomes: TransitionOutcome[] = []
  let current = state
  ;[...results].forEach((r, i) => {
    const outcome = transition(current, r === 's' ? ok : bad, th, startAt + i * stepMs)
    outcomes.push(outcome)
    current = outcome.state
  })
  return outcomes
}

const observedTrail = (outcomes: TransitionOutcome[]) => outcomes.map((o) => letter[o.to]).join('')

describe('transition: rise and fall', () => {
  it.each([
    // start, results, observed after each, rise, fall
    ['up', 'fff', 'uud', 2, 3],
    ['up', 'ffsff', 'uuuuu', 2, 3],
    ['up', 'ffsfff', 'uuuuud', 2, 3],
    ['up', 'f', 'd', 2, 1],
    ['down', 'ss', 'du', 2, 3],
    ['down', 'sfs', 'ddd', 2, 3],
    ['down', 'sfss', 'dddu', 2, 3],
    ['down', 'sss', 'ddu', 3, 3],
    ['down', 's', 'u', 1, 3],
  ] as const)('%s + %s gives %s (rise %i, fall %i)', (start, results, expected, rise, fall) => {
    const outcomes = run(initialHealth(0, start), results, thresholds({ rise, fall }))
    expect(observedTrail(outcomes)).toBe(expected)
  })

  it('counts consecutive results and resets on one opposite result', () => {
    const outcomes = run(initialHealth(0, 'up'), 'ffs', thresholds())
    expect(outcomes.map((o) => [o.state.successes, o.state.failures])).toEqual([
      [0, 1],
      [0, 2],
      [1, 0],
    ])
  })

  it('reports progress, then the change, with short stable reasons', () => {
    const down = run(initialHealth(0, 'up'), 'fff', thresholds())
    expect(down.map((o) => o.reason)).toEqual(['fall 1/3: timeout', 'fall 2/3: timeout', 'fall 3/3: timeout'])
    expect(down.map((o) => o.changed)).toEqual([false, false, true])
    expect(down[2]).toMatchObject({ from: 'up', to: 'down' })
    expect(down[2]?.state.reason).toBe('fall 3/3: timeout')

    const up = run(down[2]!.state, 'fss', thresholds(), 20_000)
    expect(up.map((o) => o.reason)).toEqual(['fall 3/3: timeout', 'rise 1/2', 'rise 2/2'])
    expect(up[2]).toMatchObject({ changed: true, from: 'down', to: 'up' })
  })

  it('moves `since` only when observed changes, and records the last result and probe time', () => {
    const outcomes = run(initialHealth(0, 'up'), 'fffs', thresholds(), 10_000)
    expect(outcomes.map((o) => o.state.since)).toEqual([0, 0, 12_000, 12_000])
    expect(outcomes[3]?.state.lastResult).toBe(ok)
    expect(outcomes[3]?.state.lastProbeAt).toBe(13_000)
  })

  it('never mutates the state it is given', () => {
    const state = Object.freeze(initialHealth(0, 'up'))
    const outcome = transition(state, bad, thresholds({ fall: 1 }), 5)
    expect(state.observed).toBe('up')
    expect(outcome.state.observed).toBe('down')
  })
})

describe('transition: cold start', () => {
  it.each([
    ['first-result', 's', 'u', 'first result: status 200'],
    ['first-result', 'f', 'd', 'first result: timeout'],
    ['thresholds', 's', '?', 'rise 1/2'],
    ['thresholds', 'ss', '?u', 'rise 2/2'],
    ['thresholds', 'f', '?', 'fall 1/3: timeout'],
    ['thresholds', 'fff', '??d', 'fall 3/3: timeout'],
    ['thresholds', 'sfsfsf', '??????', 'fall 1/3: timeout'],
  ] as const)('%s: unknown + %s gives %s (%s)', (coldStart, results, expected, reason) => {
    const outcomes = run(initialHealth(0), results, thresholds({ coldStart }))
    expect(observedTrail(outcomes)).toBe(expected)
    expect(outcomes.at(-1)?.reason).toBe(reason)
  })

  it('first-result is the default', () => {
    expect(thresholdsFor(timing).coldStart).toBe('first-result')
  })
})

describe('transition: flap damping', () => {
  const flappy = (damping?: DampingInput) => thresholds({ rise: 1, fall: 1, damping: damping ?? {} })

  it('with the defaults, three quick flaps pass and the fourth suppresses', () => {
    // Each `fs` is one up→down flap; 1 ms apart, the penalty barely decays.
    const outcomes = run(initialHealth(0, 'up'), 'fsfsfsfs', flappy(), 0, 1)
    const flaps = outcomes.filter((o) => o.from === 'up' && o.to === 'down')
    expect(flaps.map((o) => o.state.suppressed)).toEqual([false, false, false, true])
    expect(flaps.map((o) => Math.round(o.state.penalty))).toEqual([1000, 2000, 3000, 4000])
    expect(flaps[3]?.reason).toBe('fall 1/1: timeout, suppressed: flapping')
    // The success after the fourth flap no longer brings it up.
    expect(outcomes.at(-1)).toMatchObject({ changed: false, to: 'down', reason: 'suppressed: flapping' })
  })

  it('unknown→down (a cold start) is not a flap', () => {
    const outcome = transition(initialHealth(0), bad, flappy(), 10)
    expect(outcome.to).toBe('down')
    expect(outcome.state.penalty).toBe(0)
  })

  it('suppresses on a flap that lifts the decayed penalty over suppressAt, and releases after the half-lives', () => {
    // 10 000 one half-life ago is 5 000 now; the flap adds 1 000 → 6 000 = 750 × 2³: three half-lives.
    const start: EndpointHealth = { ...initialHealth(0, 'up'), penalty: 10_000, penaltyAt: 0 }
    const th = thresholds({ rise: 2, fall: 1, damping: {} })
    const flap = transition(start, bad, th, 120_000)
    expect(flap.state).toMatchObject({
      observed: 'down',
      suppressed: true,
      penalty: 6000,
      penaltyAt: 120_000,
    })
    expect(suppressionEndsAt(flap.state, th.damping)).toBe(480_000)
    expect(flap.nextChangeAtMs).toBe(480_000)

    const [, second] = run(flap.state, 'ss', th, 130_000)
    expect(second).toMatchObject({ to: 'down', reason: 'suppressed: flapping' })
    expect(second?.state.successes).toBe(2)

    const early = transition(second!.state, ok, th, 479_999)
    expect(early).toMatchObject({ changed: false, to: 'down', reason: 'suppressed: flapping' })
    const released = transition(early.state, ok, th, 480_000)
    expect(released).toMatchObject({
      changed: true,
      from: 'down',
      to: 'up',
      reason: 'reuse: penalty decayed',
    })
    expect(released.state).toMatchObject({
      suppressed: false,
      since: 480_000,
      reason: 'reuse: penalty decayed',
    })
  })

  it('expireSuppression releases without a probe and rises at once if the successes were met', () => {
    const th = thresholds({ rise: 2, fall: 1, damping: {} })
    const suppressed: EndpointHealth = {
      ...initialHealth(0, 'down'),
      suppressed: true,
      penalty: 3000,
      penaltyAt: 0,
      successes: 2,
      lastProbeAt: 200_000,
    }
    // 3 000 → 750 is two half-lives.
    expect(expireSuppression(suppressed, th, 239_999)).toMatchObject({ changed: false, to: 'down' })
    expect(expireSuppression(suppressed, th, 239_999).state).toBe(suppressed)
    const released = expireSuppression(suppressed, th, 240_000)
    expect(released).toMatchObject({
      changed: true,
      from: 'down',
      to: 'up',
      reason: 'reuse: penalty decayed',
    })
    expect(released.state.suppressed).toBe(false)
  })

  it('a release without enough successes leaves it down, and the normal rise rule follows', () => {
    const th = thresholds({ rise: 2, fall: 1, damping: {} })
    const suppressed: EndpointHealth = {
      ...initialHealth(0, 'down'),
      suppressed: true,
      penalty: 3000,
      penaltyAt: 0,
      successes: 1,
      lastProbeAt: 239_000,
    }
    const released = expireSuppression(suppressed, th, 240_000)
    expect(released).toMatchObject({ changed: false, to: 'down', reason: 'reuse: penalty decayed' })
    expect(released.state.suppressed).toBe(false)
    // One more success meets rise 2/2.
    expect(transition(released.state, ok, th, 240_500)).toMatchObject({
      changed: true,
      to: 'up',
      reason: 'rise 2/2',
    })
  })

  it('failures while suppressed reset the successes counted toward the release', () => {
    const th = thresholds({ rise: 2, fall: 1, damping: {} })
    const suppressed: EndpointHealth = {
      ...initialHealth(0, 'down'),
      suppressed: true,
      penalty: 3000,
      penaltyAt: 0,
    }
    const outcomes = run(suppressed, 'ssf', th, 1000)
    expect(outcomes.map((o) => o.state.successes)).toEqual([1, 2, 0])
    expect(expireSuppression(outcomes[2]!.state, th, 240_000).to).toBe('down')
  })

  it('caps the penalty at maxPenalty, which bounds the suppression', () => {
    const th = thresholds({ rise: 1, fall: 1, damping: {} })
    const start: EndpointHealth = { ...initialHealth(0, 'up'), penalty: 11_900, penaltyAt: 50_000 }
    const flap = transition(start, bad, th, 50_000)
    expect(flap.state.penalty).toBe(12_000)
    // 12 000 → 750 is four half-lives.
    expect(suppressionEndsAt(flap.state, th.damping)).toBe(50_000 + 4 * 120_000)
  })

  it('the stored penalty decays from where it was left', () => {
    const th = thresholds({ rise: 1, fall: 1, damping: {} })
    const start: EndpointHealth = { ...initialHealth(0, 'up'), penalty: 2000, penaltyAt: 0 }
    const flap = transition(start, bad, th, 240_000)
    expect(flap.state.penalty).toBe(decayPenalty(2000, 0, 120_000, 240_000) + 1000)
    expect(flap.state.penalty).toBe(1500)
    expect(flap.state.suppressed).toBe(false)
  })

  it('without damping, flaps add nothing and never suppress', () => {
    const outcomes = run(initialHealth(0, 'up'), 'fsfsfsfsfs', thresholds({ rise: 1, fall: 1 }), 0, 1)
    expect(observedTrail(outcomes)).toBe('dududududu')
    expect(outcomes.every((o) => o.state.penalty === 0 && !o.state.suppressed)).toBe(true)
  })

  it('switching damping off (a reload) releases a suppressed endpoint at once', () => {
    const suppressed: EndpointHealth = {
      ...initialHealth(0, 'down'),
      suppressed: true,
      penalty: 9000,
      penaltyAt: 0,
      successes: 2,
    }
    expect(expireSuppression(suppressed, thresholds(), 1)).toMatchObject({
      changed: true,
      to: 'up',
      reason: 'reuse: damping off',
    })
  })
})
