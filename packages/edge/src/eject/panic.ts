import type { EffectiveState } from '@nines/core'
import { z } from 'zod'

/** Pool level: `pools.<name>.panic`. */
export const panicSchema = z.strictObject({
  /** Below this healthy share the pool panics and uses every endpoint that is not drained; 0 never panics. */
  thresholdPercent: z.number().min(0).max(100).default(50),
})

export type PanicOptions = z.infer<typeof panicSchema>
export type PanicOptionsInput = z.input<typeof panicSchema>

/** What candidate selection needs of an endpoint: its effective state (active health and override) and ejection. */
export interface CandidateInput {
  readonly state: EffectiveState
  readonly ejected: boolean
}

export interface Candidates<T> {
  readonly endpoints: readonly T[]
  /** True when the healthy share is below the threshold and health is ignored (metrics and logs say so). */
  readonly panic: boolean
  /** Up and not ejected. */
  readonly healthy: number
  /** Not drained: the denominator of the healthy share. */
  readonly eligible: number
}

/**
 * The endpoints a pool may send new requests to (Envoy's panic threshold). Healthy means up and not ejected.
 * Drained endpoints never get new requests, even in panic, and do not count toward the share: a planned
 * drain of half a pool must not push the other half into panic. With no healthy endpoint and none
 * eligible the answer is empty. Compute it when health, overrides or ejections change, not per request.
 */
export function candidates<T extends CandidateInput>(
  endpoints: readonly T[],
  options: PanicOptions = { thresholdPercent: 50 },
): Candidates<T> {
  let healthy = 0
  let eligible = 0
  for (const endpoint of endpoints) {
    if (endpoint.state === 'drain') continue
    eligible++
    if (endpoint.state === 'up' && !endpoint.ejected) healthy++
  }
  const panic = eligible > 0 && healthy * 100 < options.thresholdPercent * eligible
  const chosen = panic
    ? endpoints.filter((e) => e.state !== 'drain')
    : endpoints.filter((e) => e.state === 'up' && !e.ejected)
  return { endpoints: chosen, panic, healthy, eligible }
}
