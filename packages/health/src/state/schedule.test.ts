import type { ProbeResult } from '@nines/core'
import { describe, expect, it } from 'vitest'
import type { CheckTiming } from '../check.js'
import { initialHealth, type EndpointHealth } from './endpoint-health.js'
import { nextChangeAt, nextProbeDelayMs } from './schedule.js'
import { thresholdsFor, type ColdStart } from './thresholds.js'
import { transition } from './transition.js'

// interval 2 s, fast 1 s, down 5 s, rise 2, fall 3.
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
const th = (coldStart: ColdStart = 'first-result') => thresholdsFor(timing, { coldStart, damping: false })
const ok: ProbeResult = { ok: true, latencyMs: 1, detail: 'ok' }
const bad: ProbeResult = { ok: false, latencyMs: 1, detail: 'refused' }

const state = (patch: Partial<EndpointHealth>): EndpointHealth => ({ ...initialHealth(0), ...patch })

describe('nextProbeDelayMs', () => {
  it.each([
    ['unknown', state({}), 1000],
    ['unknown with a success counted', state({ successes: 1 }), 1000],
    ['up, settled', state({ observed: 'up' }), 2000],
    ['up, 1 of 3 failures', state({ observed: 'up', failures: 1 }), 1000],
    ['up, 2 of 3 failures', state({ observed: 'up', failures: 2 }), 1000],
    ['down, settled', state({ observed: 'down', failures: 7 }), 5000],
    ['down, 1 of 2 successes', state({ observed: 'down', successes: 1 }), 1000],
    ['down and suppressed, rise met', state({ observed: 'down', successes: 4, suppressed: true }), 5000],
  ])('%s → %i ms', (_name, s, expected) => {
    expect(nextProbeDelayMs(s, th())).toBe(expected)
  })
})

describe('nextChangeAtMs (the TTL hint)', () => {
  const t = 100_000
  const after = (start: EndpointHealth, result: ProbeResult, coldStart?: ColdStart) =>
    transition(start, result, th(coldStart), t).nextChangeAtMs - t

  it.each([
    // A settled up needs 3 failures: one interval, then two fast intervals.
    ['up after a success', state({ observed: 'up' }), ok, 2000 + 2 * 1000],
    ['up after 1 failure (2 more, fast)', state({ observed: 'up' }), bad, 1000 + 1000],
    ['up after 2 failures (1 more, fast)', state({ observed: 'up', failures: 1 }), bad, 1000],
    // A settled down needs 2 successes: the down interval, then one fast interval.
    ['down after a failure', state({ observed: 'down', failures: 3 }), bad, 5000 + 1000],
    ['down after 1 success (1 more, fast)', state({ observed: 'down' }), ok, 1000],
    ['first result went up', state({}), ok, 2000 + 2 * 1000],
    ['first result went down', state({}), bad, 5000 + 1000],
  ] as const)('%s: +%i ms', (_name, start, result, expected) => {
    expect(after(start, result)).toBe(expected)
  })

  it.each([
    // Unknown under `thresholds`: whichever of rise or fall can finish first, all at the fast interval.
    ['one success: rise needs 1 more', ok, 1000],
    ['one failure: rise needs 2, fall 2 more', bad, 2000],
  ] as const)('cold start by thresholds, %s: +%i ms', (_name, result, expected) => {
    expect(after(state({}), result, 'thresholds')).toBe(expected)
  })

  it('an endpoint with no result yet could change at its next (fast) probe', () => {
    expect(nextChangeAt(initialHealth(t), th(), t)).toBe(t + 1000)
    expect(nextChangeAt(initialHealth(t), th('thresholds'), t)).toBe(t + 2 * 1000)
  })

  it('between probes, counts from the last probe, never before now', () => {
    const up = state({ observed: 'up', lastProbeAt: t })
    expect(nextChangeAt(up, th(), t + 500)).toBe(t + 4000)
    // An overdue probe is due now.
    expect(nextChangeAt(up, th(), t + 9000)).toBe(t + 9000 + 2000)
  })

  it('while suppressed: the later of the release and the rise schedule', () => {
    const damped = thresholdsFor(timing, { damping: { halfLifeMs: 1000 } })
    // 6 000 decays to 750 in three half-lives.
    const base = state({ observed: 'down', suppressed: true, penalty: 6000, penaltyAt: t, lastProbeAt: t })
    // Release at +3 s, but the rise needs the down interval and a fast one: +6 s.
    expect(nextChangeAt(base, damped, t)).toBe(t + 6000)
    // Rise already met: the release decides.
    expect(nextChangeAt({ ...base, successes: 2 }, damped, t)).toBe(t + 3000)
    // With the default 120 s half-life the release is far later than the rise.
    const slow = thresholdsFor(timing, {})
    expect(nextChangeAt(base, slow, t)).toBe(t + 3 * 120_000)
  })
})
