import type { EffectiveState, Endpoint, ObservedState, Override, ProbeResult } from '@nines/core'

/** The observed or effective state of an endpoint changed. Logged at info by daemons. */
export interface TransitionEvent {
  readonly endpoint: Endpoint
  readonly pool: string | undefined
  readonly from: ObservedState
  readonly to: ObservedState
  readonly effectiveFrom: EffectiveState
  readonly effectiveTo: EffectiveState
  /** Short and stable: `fall 3/3: timeout`, `override drain: kernel upgrade`, `passive: 5 failures in 10s`. */
  readonly reason: string
  /** Who concluded it: this monitor's observer name, or `quorum`. */
  readonly observer: string
  readonly override: Override | undefined
  readonly at: number
}

/** One probe finished. Counted in metrics by daemons, never logged one by one. */
export interface ProbeEvent {
  readonly endpoint: Endpoint
  readonly pool: string | undefined
  readonly result: ProbeResult
  readonly observer: string
  readonly at: number
}

export interface MonitorEvents {
  transition: [TransitionEvent]
  probe: [ProbeEvent]
}
