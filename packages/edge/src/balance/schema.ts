import { z } from 'zod'

export const balanceKinds = ['p2c', 'round-robin', 'hash'] as const
export type BalanceKind = (typeof balanceKinds)[number]

/** Where the proxy reads the hash key. Header names are case-insensitive, so they are kept lower-case. */
export const hashOnSchema = z.union([
  z.strictObject({
    header: z
      .string()
      .min(1)
      .transform((h) => h.toLowerCase()),
  }),
  z.strictObject({ cookie: z.string().min(1) }),
])
export type HashOn = z.output<typeof hashOnSchema>

const slowStartSchema = z.strictObject({
  /** Ramp length after an endpoint comes back (not at start-up); 0 turns slow start off. */
  windowMs: z.number().int().min(0).max(3_600_000).default(30_000),
  /** The share of its weight a just-recovered endpoint starts from (Envoy `min_weight_percent`). */
  minShare: z.number().min(0.01).max(1).default(0.1),
})

const localitySchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** The router's zone (then region) is used only while at least this share of its endpoints is up. */
  minHealthyShare: z.number().min(0).max(1).default(0.5),
})

/**
 * How a route spreads its requests over its pool. `hashOn` is required for `hash` and refused for the
 * others; `boundedLoad` (ε) applies to `hash` only: an endpoint above (1 + ε) × its fair share of the
 * requests in flight is skipped for the next on the ring.
 */
export const balanceSchema = z
  .strictObject({
    kind: z.enum(balanceKinds).default('p2c'),
    hashOn: hashOnSchema.optional(),
    boundedLoad: z.number().min(0).max(10).default(0.25),
    slowStart: slowStartSchema.prefault({}),
    locality: localitySchema.prefault({}),
  })
  .superRefine((balance, ctx) => {
    if (balance.kind === 'hash' && balance.hashOn === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['hashOn'],
        input: balance.hashOn,
        message: 'expected { header } or { cookie } when kind is hash',
      })
    }
    if (balance.kind !== 'hash' && balance.hashOn !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['hashOn'],
        input: balance.hashOn,
        message: `expected no hashOn when kind is ${balance.kind}`,
      })
    }
  })

export type BalanceOptions = z.output<typeof balanceSchema>
export type BalanceInput = z.input<typeof balanceSchema>
