export { RetryBudget } from './budget.js'
export {
  parseRetryBudgetOptions,
  retryBackoffSchema,
  retryBudgetSchema,
  retrySchema,
  type RetryBudgetOptions,
  type RetryBudgetOptionsInput,
  type RetryOptions,
  type RetryOptionsInput,
} from './options.js'
export {
  isIdempotent,
  retryAfterMs,
  shouldRetry,
  type AttemptFailure,
  type GiveUpReason,
  type RetryDecision,
  type RetryInput,
  type RetryReason,
} from './should-retry.js'
