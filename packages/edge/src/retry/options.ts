import { InvalidArgumentError } from '@nines/core'
import { z } from 'zod'

/** Envoy's retry budget: retries at most `percent` of active requests, but always `minConcurrency` at once. */
export const retryBudgetSchema = z.strictObject({
  percent: z.number().min(0).max(100).default(20),
  minConcurrency: z.number().int().min(0).max(10_000).default(3),
  /**
   * A retry over the budget waits this long for a place (first come, first served) before it is refused:
   * a one-off burst, such as the requests in flight on an endpoint that dies, is spread out instead of
   * failed, while a storm stays capped at the budget's concurrency. 0 refuses at once (Envoy).
   */
  queueMs: z.number().int().min(0).max(60_000).default(1000),
})

/** Backoff between attempts (p-retry's `minTimeout`, `maxTimeout`, `factor`); a `Retry-After` wait replaces it. */
export const retryBackoffSchema = z.strictObject({
  minMs: z.number().int().min(0).max(60_000).default(25),
  maxMs: z.number().int().min(0).max(60_000).default(250),
  factor: z.number().min(1).max(10).default(2),
})

/** Route level: `routes[n].retry`. Per-try and overall timeouts are the route's `timeouts`. */
export const retrySchema = z.strictObject({
  /** Attempts in all, the first included; 1 turns retries off. */
  maxAttempts: z.number().int().min(1).max(10).default(3),
  /** Methods retried after the request may have reached the upstream; a route adds `POST` if its POSTs are. */
  idempotentMethods: z
    .array(z.string().regex(/^[A-Z]+$/, 'an upper-case HTTP method'))
    .default(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']),
  /** Request bodies up to this size are kept so that they can be sent again; larger ones stream once. */
  replayBodyLimitBytes: z.number().int().min(0).max(16_777_216).default(65_536),
  backoff: retryBackoffSchema.prefault({}),
  budget: retryBudgetSchema.prefault({}),
})

export type RetryBudgetOptions = z.infer<typeof retryBudgetSchema>
export type RetryBudgetOptionsInput = z.input<typeof retryBudgetSchema>
export type RetryOptions = z.infer<typeof retrySchema>
export type RetryOptionsInput = z.input<typeof retrySchema>

/** Validates options handed over in code; bad ones are a programming error (config is validated at load). */
export function parseRetryBudgetOptions(input: RetryBudgetOptionsInput = {}): RetryBudgetOptions {
  const parsed = retryBudgetSchema.safeParse(input)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.length ? `retry.budget.${issue.path.join('.')}` : 'retry.budget'
    throw new InvalidArgumentError(`${where}: ${issue?.message ?? 'invalid'}`, { cause: parsed.error })
  }
  return parsed.data
}
