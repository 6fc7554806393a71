import type { ObservedState, ProbeResult } from '@nines/core'

/**
 * What the health core knows about one endpoint: a plain value, replaced (never mutated) by every
 * `transition`, so it can be logged, snapshotted and sent to workers as is (gdnsd: state is a value).
 */
export interface EndpointHealth {
  readonly observed: ObservedState
  /** Consecutive successes (kept while suppressed, so a released endpoint can rise at once). */
  readonly successes: number
  /** Consecutive failures. */
  readonly failures: number
  /** Epoch ms when `observed` last changed. */
  readonly since: number
  readonly lastResult?: ProbeResult
  readonly lastProbeAt?: number
  /** Flap-damping penalty as of `penaltyAt`; it decays from there (see `decayPenalty`). */
  readonly penalty: number
  readonly penaltyAt: number
  /** Held down by flap damping, whatever the probes say. */
  readonly suppressed: boolean
  /** Why `observed` is what it is: the reason of the last change, suppression or release. */
  readonly reason: string
}

/** A fresh endpoint. `observed` other than `unknown` is for state restored from elsewhere. */
export function initialHealth(now: number, observed: ObservedState = 'unknown'): EndpointHealth {
  return {
    observed,
    successes: 0,
    failures: 0,
    since: now,
    penalty: 0,
    penaltyAt: now,
    suppressed: false,
    reason: `initial: ${observed}`,
  }
}
