/** Slow start: the share of its weight an endpoint gets after coming back (HAProxy `slowstart`, Envoy). */
export interface SlowStart {
  /** Ramp length; 0 turns slow start off. */
  readonly windowMs: number
  /** The share it starts from, so a recovered endpoint is still probed by real traffic at once. */
  readonly minShare: number
}

/**
 * Linear ramp from `minShare` to 1 over `windowMs` since `upSinceMs`. An endpoint without `upSinceMs`,
 * or past the window, has its full weight.
 */
export function slowStartFactor(upSinceMs: number | undefined, nowMs: number, slowStart: SlowStart): number {
  if (upSinceMs === undefined || slowStart.windowMs <= 0) return 1
  const elapsed = nowMs - upSinceMs
  if (elapsed >= slowStart.windowMs) return 1
  return Math.max(slowStart.minShare, Math.max(0, elapsed) / slowStart.windowMs)
}
