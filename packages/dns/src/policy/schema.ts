import { z } from 'zod'

export const allDownActions = ['fail-open', 'backup', 'nodata', 'servfail'] as const
/** What a name answers when none of its endpoints is up. */
export type AllDownAction = (typeof allDownActions)[number]

const priorityOptionsSchema = z.strictObject({
  /** `auto`: fail back once the better group has held; `manual`: only when an operator calls `failback`. */
  failback: z.enum(['auto', 'manual']).default('auto'),
  /** A recovered better group must stay up this long before traffic fails back (anti-flap). */
  holdMs: z.number().int().min(0).max(86_400_000).default(30_000),
})

const localityOptionsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** A zone (then region) tier is used only while at least this share of its endpoints is up. */
  minHealthyShare: z.number().min(0).max(1).default(0.5),
  /**
   * `only`: answer the client's tier alone. `first`: answer it first, then the other up endpoints (its
   * region's before the rest), so a client that tries the next address on a failed connect always has one.
   */
  mode: z.enum(['only', 'first']).default('only'),
})

const ttlOptionsSchema = z
  .strictObject({
    normalSec: z.number().int().min(0).max(86_400).default(30),
    /**
     * While degraded, in panic, all down, draining or recovering: caches come back soon to see the
     * change.
     */
    degradedSec: z.number().int().min(0).max(86_400).default(5),
    /** An endpoint back up after being down keeps the degraded TTL this long; 0 turns it off. */
    recoveringSec: z.number().int().min(0).max(86_400).default(30),
  })
  .superRefine((ttl, ctx) => {
    if (ttl.degradedSec > ttl.normalSec) {
      ctx.addIssue({
        code: 'custom',
        path: ['degradedSec'],
        input: ttl.degradedSec,
        message: `expected at most normalSec (${ttl.normalSec}), got ${ttl.degradedSec}`,
      })
    }
  })

/**
 * How one dynamic name picks its answer. `maxAnswers` defaults by kind: 8 for `all`, 1 for `weighted`,
 * because resolvers reorder multi-record answers, so only a single drawn record keeps the weights
 * (Route 53 weighted, gdnsd weighted). Being a transform, its JSON Schema needs `io: 'input'`.
 */
export const policySchema = z
  .strictObject({
    kind: z.enum(['all', 'weighted']).default('all'),
    maxAnswers: z.number().int().min(1).max(64).optional(),
    priority: priorityOptionsSchema.prefault({}),
    locality: localityOptionsSchema.prefault({}),
    /** Below this share of up endpoints in the active group, spill to other groups, else ignore health. */
    panicThreshold: z.number().min(0).max(1).default(0.5),
    allDown: z.enum(allDownActions).default('fail-open'),
    ttl: ttlOptionsSchema.prefault({}),
  })
  .transform((policy) => ({
    ...policy,
    maxAnswers: policy.maxAnswers ?? (policy.kind === 'weighted' ? 1 : 8),
  }))

/** A parsed policy with every default applied. */
export type PolicyOptions = z.output<typeof policySchema>
/** What a configuration writes: every field with a default may be left out. */
export type PolicyInput = z.input<typeof policySchema>
export type PriorityOptions = PolicyOptions['priority']
export type LocalityOptions = PolicyOptions['locality']
