import { InvalidArgumentError } from '@nines/core'
import { z } from 'zod'

/**
 * The adaptive concurrency limit of one pool (Netflix Gradient2). It starts at `initial` and moves between
 * `min` and `max` as the round-trip times of the pool's requests move.
 */
export const admissionLimitSchema = z
  .strictObject({
    initial: z.number().int().min(1).max(100_000).default(20),
    /** The floor: even a pool in trouble keeps this many requests in flight, so it can show it recovered. */
    min: z.number().int().min(1).max(100_000).default(4),
    max: z.number().int().min(1).max(100_000).default(1000),
    /**
     * How much slower than its baseline the pool may answer before the limit shrinks (1.25 = 25 %, Envoy's
     * adaptive concurrency buffer; Gradient2's 1.5 let critical's p99 reach 2.35× its unloaded one at 3×).
     */
    tolerance: z.number().min(1).max(10).default(1.25),
    /** The weight of each lower estimate against the current limit (growth is not smoothed); small values shrink it slowly. */
    smoothing: z.number().gt(0, 'expected more than 0').max(1).default(0.2),
    /** The limit is recomputed once per window, from the samples of that window. */
    windowMs: z.number().int().min(1).max(60_000).default(100),
  })
  .superRefine((limit, ctx) => {
    if (limit.min > limit.max) {
      ctx.addIssue({
        code: 'custom',
        path: ['min'],
        message: `expected at most max (${limit.max}), got ${limit.min}`,
      })
    } else if (limit.initial < limit.min || limit.initial > limit.max) {
      ctx.addIssue({
        code: 'custom',
        path: ['initial'],
        message: `expected between min (${limit.min}) and max (${limit.max}), got ${limit.initial}`,
      })
    }
  })

/**
 * The share of the limit guaranteed to each class (SRE criticality, Netflix's partitioned limiter).
 * `sheddable` has no share: it only borrows what the others leave spare.
 */
export const admissionSharesSchema = z
  .strictObject({
    critical: z.number().min(0).max(1).default(0.5),
    normal: z.number().min(0).max(1).default(0.3),
  })
  .refine((shares) => shares.critical + shares.normal <= 1 + 1e-9, {
    message: 'critical + normal must not exceed 1',
  })

/** The waiting room of each class, and CoDel's two durations (Facebook, "Fail at Scale"). */
export const admissionQueueSchema = z
  .strictObject({
    /** Waiters per class; 0 sheds at once whatever does not fit. */
    maxLength: z.number().int().min(0).max(100_000).default(100),
    /** The longest wait once a queue has been standing (not empty) for `intervalMs`. */
    targetMs: z.number().int().min(0).max(60_000).default(20),
    /** The longest wait while the queue empties now and then: a burst is smoothed, a standing queue is not. */
    intervalMs: z.number().int().min(1).max(60_000).default(100),
  })
  .refine((queue) => queue.targetMs <= queue.intervalMs, {
    path: ['targetMs'],
    message: 'expected at most intervalMs',
  })

/** Per-pool admission: `pools.<name>.admission`. */
export const admissionSchema = z.strictObject({
  /** Off: the caller builds no `Admission` at all and every request goes straight on. */
  enabled: z.boolean().default(true),
  limit: admissionLimitSchema.prefault({}),
  shares: admissionSharesSchema.prefault({}),
  queue: admissionQueueSchema.prefault({}),
})

export type AdmissionOptions = z.infer<typeof admissionSchema>
export type AdmissionOptionsInput = z.input<typeof admissionSchema>
export type AdmissionLimitOptions = AdmissionOptions['limit']

/** Validates options handed over in code; bad ones are a programming error (config is validated at load). */
export function parseAdmissionOptions(input: AdmissionOptionsInput = {}): AdmissionOptions {
  const parsed = admissionSchema.safeParse(input)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.length ? `admission.${issue.path.join('.')}` : 'admission'
    throw new InvalidArgumentError(`${where}: ${issue?.message ?? 'invalid'}`, { cause: parsed.error })
  }
  return parsed.data
}
