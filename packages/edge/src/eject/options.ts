import { InvalidArgumentError } from '@nines/core'
import { z } from 'zod'

/**
 * Passive ejection of one pool (Envoy outlier detection). Lives at pool level: `pools.<name>.ejection`.
 * A counter set to 0 is off.
 */
export const ejectionSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Consecutive failures of any kind (5xx, gateway error, connect failure, timeout, reset) that eject. */
  consecutive5xx: z.number().int().min(0).max(1000).default(5),
  /** Consecutive gateway errors (502/503/504), connect failures, timeouts or resets that eject. */
  consecutiveGatewayFailure: z.number().int().min(0).max(1000).default(3),
  /** The first ejection lasts this long; the n-th lasts n times as long. */
  baseEjectionTimeMs: z.number().int().min(1).max(3_600_000).default(30_000),
  /** No ejection lasts longer, however often the endpoint was ejected. */
  maxEjectionTimeMs: z.number().int().min(1).max(3_600_000).default(300_000),
  /** At most this share of the pool's endpoints is ejected at once (rounded down). */
  maxEjectionPercent: z.number().min(0).max(100).default(50),
  /** Each such period an endpoint spends back in the pool takes one off its ejection count. */
  decayIntervalMs: z.number().int().min(1).max(3_600_000).default(10_000),
})

export type EjectionOptions = z.infer<typeof ejectionSchema>
export type EjectionOptionsInput = z.input<typeof ejectionSchema>

/** Validates options handed over in code; bad ones are a programming error (config is validated at load). */
export function parseEjectionOptions(input: EjectionOptionsInput = {}): EjectionOptions {
  const parsed = ejectionSchema.safeParse(input)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.length ? `ejection.${issue.path.join('.')}` : 'ejection'
    throw new InvalidArgumentError(`${where}: ${issue?.message ?? 'invalid'}`, { cause: parsed.error })
  }
  return parsed.data
}
