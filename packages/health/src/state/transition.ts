import type { ObservedState, ProbeResult } from '@nines/core'
import { decayPenalty, suppressionEndsAt } from './damping.js'
import type { EndpointHealth } from './endpoint-health.js'
import { nextChangeAt } from './schedule.js'
import type { Thresholds } from './thresholds.js'

export interface TransitionOutcome {
  readonly state: EndpointHealth
  /** `observed` differs from the state passed in. */
  readonly changed: boolean
  readonly from: ObservedState
  readonly to: ObservedState
  /** Short and stable: `rise 2/2`, `fall 3/3: timeout`, `first result: status 200`, ... */
  readonly reason: string
  /** The soonest epoch ms at which `observed` could change again: the TTL hint. */
  readonly nextChangeAtMs: number
}

export const reuseReason = 'reuse: penalty decayed'
export const suppressedReason = 'suppressed: flapping'

interface Step {
  readonly state: EndpointHealth
  readonly reason: string
}

/**
 * Applies one probe result: rise/fall, cold start and flap damping. Pure: the same inputs always give
 * the same outcome. A suppression whose time is up is released first (as `expireSuppression` would
 * have done), then the result counts, so a late timer never delays a recovery.
 */
export function transition(
  state: EndpointHealth,
  result: ProbeResult,
  thresholds: Thresholds,
  now: number,
): TransitionOutcome {
  const release = releaseStep(state, thresholds, now)
  const step = resultStep(release?.state ?? state, result, thresholds, now)
  const before = release?.state ?? state
  // A change in this call explains more than a release, which explains more than counting.
  const reason = step.state.observed !== before.observed ? step.reason : (release?.reason ?? step.reason)
  return outcome(state, step.state, reason, thresholds, now)
}

/**
 * Re-evaluates a suppressed endpoint when time passes without a probe: once the penalty has decayed
 * to `reuseAt` it is released, and comes up at once if its successes already met `rise`. The monitor
 * calls this at `suppressionEndsAt(state, damping)`; anything else is returned unchanged.
 */
export function expireSuppression(
  state: EndpointHealth,
  thresholds: Thresholds,
  now: number,
): TransitionOutcome {
  const release = releaseStep(state, thresholds, now)
  return outcome(state, release?.state ?? state, release?.reason ?? state.reason, thresholds, now)
}

function outcome(
  from: EndpointHealth,
  to: EndpointHealth,
  reason: string,
  thresholds: Thresholds,
  now: number,
): TransitionOutcome {
  return {
    state: to,
    changed: from.observed !== to.observed,
    from: from.observed,
    to: to.observed,
    reason,
    nextChangeAtMs: nextChangeAt(to, thresholds, now),
  }
}

function releaseStep(state: EndpointHealth, thresholds: Thresholds, now: number): Step | undefined {
  const endsAt = suppressionEndsAt(state, thresholds.damping)
  if (endsAt === undefined || now < endsAt) return undefined
  const reason = thresholds.damping ? reuseReason : 'reuse: damping off'
  const rises = state.successes >= thresholds.rise
  return {
    state: { ...state, suppressed: false, reason, ...(rises ? { observed: 'up', since: now } : {}) },
    reason,
  }
}

function resultStep(state: EndpointHealth, result: ProbeResult, thresholds: Thresholds, now: number): Step {
  const { rise, fall } = thresholds
  const counted: EndpointHealth = {
    ...state,
    successes: result.ok ? state.successes + 1 : 0,
    failures: result.ok ? 0 : state.failures + 1,
    lastResult: result,
    lastProbeAt: now,
  }
  const riseReason = `rise ${Math.min(counted.successes, rise)}/${rise}`
  const fallReason = `fall ${Math.min(counted.failures, fall)}/${fall}: ${result.detail}`
  const become = (observed: ObservedState, reason: string): Step => ({
    state: { ...counted, observed, since: now, reason },
    reason,
  })
  const stay = (reason: string): Step => ({ state: counted, reason })

  switch (state.observed) {
    case 'unknown':
      if (thresholds.coldStart === 'first-result') {
        return become(result.ok ? 'up' : 'down', `first result: ${result.detail}`)
      }
      if (result.ok) return counted.successes >= rise ? become('up', riseReason) : stay(riseReason)
      return counted.failures >= fall ? become('down', fallReason) : stay(fallReason)
    case 'up':
      if (result.ok) return stay(state.reason)
      return counted.failures >= fall ? flapDown(counted, thresholds, fallReason, now) : stay(fallReason)
    case 'down':
      if (!result.ok) return stay(state.reason)
      if (state.suppressed) return stay(suppressedReason)
      return counted.successes >= rise ? become('up', riseReason) : stay(riseReason)
  }
}

/** up → down: the one move that feeds flap damping. */
function flapDown(counted: EndpointHealth, thresholds: Thresholds, fallReason: string, now: number): Step {
  const damping = thresholds.damping
  if (!damping) {
    return { state: { ...counted, observed: 'down', since: now, reason: fallReason }, reason: fallReason }
  }
  const decayed = decayPenalty(counted.penalty, counted.penaltyAt, damping.halfLifeMs, now)
  const penalty = Math.min(decayed + damping.penalty, damping.maxPenalty)
  const suppressed = penalty > damping.suppressAt
  const reason = suppressed ? `${fallReason}, ${suppressedReason}` : fallReason
  return {
    state: { ...counted, observed: 'down', since: now, penalty, penaltyAt: now, suppressed, reason },
    reason,
  }
}
