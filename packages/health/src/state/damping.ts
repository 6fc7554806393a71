import { z } from 'zod'
import type { EndpointHealth } from './endpoint-health.js'

/**
 * Flap damping (RFC 2439, as proposed for Consul in hashicorp/consul#9283): every up→down flap adds
 * `penalty`, which halves every `halfLifeMs`. Above `suppressAt` the endpoint is held down until the
 * penalty has decayed to `reuseAt`.
 */
export interface Damping {
  /** Added per up→down flap. */
  readonly penalty: number
  /** Suppress once the penalty exceeds this. */
  readonly suppressAt: number
  /** Release once the penalty has decayed to this. */
  readonly reuseAt: number
  readonly halfLifeMs: number
  /** Ceiling, which bounds how long a suppression can last. */
  readonly maxPenalty: number
}

export const dampingDefaults: Damping = {
  penalty: 1000,
  suppressAt: 3000,
  reuseAt: 750,
  halfLifeMs: 120_000,
  maxPenalty: 12_000,
}

/** Flap damping as written in configuration; `enabled: false` turns it off. */
export const dampingSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    penalty: z.number().positive().default(dampingDefaults.penalty),
    suppressAt: z.number().positive().default(dampingDefaults.suppressAt),
    reuseAt: z.number().positive().default(dampingDefaults.reuseAt),
    halfLifeMs: z.number().int().min(1000).max(86_400_000).default(dampingDefaults.halfLifeMs),
    maxPenalty: z.number().positive().default(dampingDefaults.maxPenalty),
  })
  .superRefine((d, ctx) => {
    if (d.reuseAt >= d.suppressAt) {
      ctx.addIssue({
        code: 'custom',
        path: ['reuseAt'],
        message: `expected less than suppressAt (${d.suppressAt}), got ${d.reuseAt}`,
      })
    }
    // With the ceiling at or below the threshold nothing could ever be suppressed.
    if (d.maxPenalty <= d.suppressAt) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxPenalty'],
        message: `expected more than suppressAt (${d.suppressAt}), got ${d.maxPenalty}`,
      })
    }
  })

export type DampingConfig = z.infer<typeof dampingSchema>
/** What a caller writes: every field may be left out. */
export type DampingInput = z.input<typeof dampingSchema>

/** The penalty `penalty` (as of `penaltyAt`) has decayed to at `now`. */
export function decayPenalty(penalty: number, penaltyAt: number, halfLifeMs: number, now: number): number {
  // A clock that stepped back must not grow the penalty.
  const elapsedMs = Math.max(0, now - penaltyAt)
  return penalty * 2 ** (-elapsedMs / halfLifeMs)
}

/**
 * The first whole millisecond at which the penalty has decayed to `level` or below. Suppression ends by
 * this time rather than by comparing decayed floats, so the release and the TTL hint always agree.
 */
export function penaltyDecaysAt(
  penalty: number,
  penaltyAt: number,
  halfLifeMs: number,
  level: number,
): number {
  if (penalty <= level) return penaltyAt
  // The epsilon keeps an exact number of half-lives (log2 of a power of two) from rounding up a ms.
  return penaltyAt + Math.ceil(halfLifeMs * Math.log2(penalty / level) - 1e-6)
}

/** When a suppressed endpoint is released; `undefined` when it is not suppressed. */
export function suppressionEndsAt(state: EndpointHealth, damping: Damping | false): number | undefined {
  if (!state.suppressed) return undefined
  // Damping switched off (a reload) releases at once.
  if (!damping) return state.penaltyAt
  return penaltyDecaysAt(state.penalty, state.penaltyAt, damping.halfLifeMs, damping.reuseAt)
}
