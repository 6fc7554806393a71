import type { EndpointHealth } from './endpoint-health.js'
import { suppressionEndsAt } from './damping.js'
import type { Thresholds } from './thresholds.js'

/**
 * The wait before the next probe (before jitter): fast while a change is pending, the down interval
 * while down, the interval otherwise. `unknown` is probed fast so that it gets a verdict soon.
 */
export function nextProbeDelayMs(state: EndpointHealth, thresholds: Thresholds): number {
  switch (state.observed) {
    case 'unknown':
      return thresholds.fastIntervalMs
    case 'up':
      return state.failures > 0 && state.failures < thresholds.fall
        ? thresholds.fastIntervalMs
        : thresholds.intervalMs
    case 'down':
      return state.successes > 0 && state.successes < thresholds.rise
        ? thresholds.fastIntervalMs
        : thresholds.downIntervalMs
  }
}

/**
 * The soonest epoch ms at which `observed` could change (gdnsd's TTL: time until the next possible
 * state change). The next probe comes `nextProbeDelayMs` after the last one, every later one at the
 * fast interval (a change is then pending). Jitter is not included: it is the monitor's business.
 */
export function nextChangeAt(state: EndpointHealth, thresholds: Thresholds, now: number): number {
  const { rise, fall, fastIntervalMs } = thresholds
  const firstProbeAt = Math.max(now, (state.lastProbeAt ?? now) + nextProbeDelayMs(state, thresholds))
  // When the k-th probe from here (k >= 1) is due.
  const probeAt = (k: number): number => firstProbeAt + (Math.max(1, k) - 1) * fastIntervalMs

  switch (state.observed) {
    case 'unknown':
      return thresholds.coldStart === 'first-result'
        ? probeAt(1)
        : probeAt(Math.min(rise - state.successes, fall - state.failures))
    case 'up':
      return probeAt(fall - state.failures)
    case 'down': {
      const riseAt = state.successes >= rise ? now : probeAt(rise - state.successes)
      const releaseAt = suppressionEndsAt(state, thresholds.damping)
      return releaseAt === undefined ? riseAt : Math.max(now, riseAt, releaseAt)
    }
  }
}
