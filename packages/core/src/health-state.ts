/** What probes have concluded. `unknown` until the first verdict: nobody answers from ignorance. */
export type ObservedState = 'unknown' | 'up' | 'down'

/** An operator's forced state. `drain` is planned: no new traffic, existing work may finish. */
export type OverrideState = 'drain' | 'up' | 'down'

/** The state traffic decisions use: the override if one is in force, else the observed state. */
export type EffectiveState = ObservedState | 'drain'

export interface Override {
  readonly state: OverrideState
  readonly reason: string
  /** Planned work (maintenance) counts apart from unplanned downtime in availability reports. */
  readonly planned: boolean
  /** Epoch milliseconds. */
  readonly setAt: number
  /** Epoch milliseconds after which the override no longer applies. */
  readonly expiresAt?: number
}

/** What one probe saw. `detail` is a short, stable reason such as `timeout` or `status 503`. */
export interface ProbeResult {
  readonly ok: boolean
  readonly latencyMs: number
  readonly detail: string
}

export function overrideActive(override: Override | undefined, now: number): override is Override {
  return override !== undefined && (override.expiresAt === undefined || override.expiresAt > now)
}

export function effectiveState(
  observed: ObservedState,
  override: Override | undefined,
  now: number,
): EffectiveState {
  return overrideActive(override, now) ? override.state : observed
}

/** Whether new traffic may go to an endpoint in this state. */
export function takesTraffic(state: EffectiveState): boolean {
  return state === 'up'
}
