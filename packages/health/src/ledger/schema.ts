import { z } from 'zod'

export const ledgerOptionsSchema = z
  .strictObject({
    /** Days of raw events (per-day files) kept; windows up to this length come from them, with reasons. */
    rawRetentionDays: z.number().int().min(1).max(3650).default(30),
    /** Days of daily roll-ups kept; at least 366 keeps the 365-day window exact. */
    rollupRetentionDays: z.number().int().min(1).max(3650).default(400),
    /** The availability objective the error budget is measured against. */
    slo: z.number().gt(0).lt(1).default(0.9999),
  })
  .refine((o) => o.rollupRetentionDays >= o.rawRetentionDays, {
    message: 'rollupRetentionDays must be at least rawRetentionDays',
    path: ['rollupRetentionDays'],
  })

export type LedgerOptions = z.output<typeof ledgerOptionsSchema>
export type LedgerOptionsInput = z.input<typeof ledgerOptionsSchema>

/** A state change of one endpoint: `down` is unavailable; a drain is recorded as down with `planned: true`. */
export const ledgerEventSchema = z.strictObject({
  endpointId: z.string().min(1),
  /** The pool the endpoint belongs to; kept from earlier events when left out. */
  pool: z.string().min(1).optional(),
  state: z.enum(['up', 'down']),
  /** Epoch ms. */
  at: z.number().finite().nonnegative(),
  planned: z.boolean(),
  reason: z.string(),
})

export type LedgerEvent = z.infer<typeof ledgerEventSchema>

const timelineStateSchema = z.discriminatedUnion('state', [
  z.strictObject({ state: z.literal('up') }),
  z.strictObject({ state: z.literal('down'), since: z.number(), planned: z.boolean(), reason: z.string() }),
])

/**
 * One line of `rollups.jsonl`. An endpoint's line has `endpointId` (and `pool`, its membership then);
 * a pool's line has only `pool`.
 */
export const rollupLineSchema = z
  .strictObject({
    day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    endpointId: z.string().min(1).optional(),
    pool: z.string().min(1).optional(),
    trackedSince: z.number(),
    plannedDownMs: z.number().nonnegative(),
    unplannedDownMs: z.number().nonnegative(),
    incidents: z.number().int().nonnegative(),
    down: z.array(z.tuple([z.number(), z.number(), z.boolean()])),
    end: timelineStateSchema,
  })
  .refine((line) => line.endpointId !== undefined || line.pool !== undefined, {
    message: 'expected endpointId or pool',
  })

export type RollupLine = z.infer<typeof rollupLineSchema>
