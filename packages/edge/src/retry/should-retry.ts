import type { AttemptResult } from '../eject/outcome.js'

/**
 * How an attempt failed. `connect-refused` and `connect-timeout` mean no connection, so no request byte
 * reached the upstream; `status` means a response head arrived (its status is in `status`). The same
 * union `attemptOutcome` maps for ejection.
 */
export type AttemptFailure = AttemptResult

export interface RetryInput {
  readonly method: string
  /** Whether the route treats this request as idempotent; usually `isIdempotent(method, options)`. */
  readonly idempotent: boolean
  /** True when the request has no body or its body was kept whole (≤ the replay limit) and can be sent again. */
  readonly bodyReplayable: boolean
  /** Request bytes (head included) written to the upstream by the failed attempt. */
  readonly bytesSentUpstream: number
  readonly failure: AttemptFailure
  /** The response status when `failure` is `status`. */
  readonly status?: number
  /** The response's `Retry-After` header, if any. */
  readonly retryAfter?: string | null
  /** 1-based number of the attempt that just failed. */
  readonly attempt: number
  readonly maxAttempts: number
  /** Epoch ms: the overall deadline of the request. */
  readonly deadline: number
  readonly now: number
}

export type RetryReason = 'nothing-sent' | 'reset' | 'per-try-timeout' | 'gateway-status'
export type GiveUpReason =
  | 'max-attempts'
  | 'deadline'
  | 'not-idempotent'
  | 'status-not-retriable'
  | 'body-not-replayable'
  | 'retry-after-past-deadline'

export type RetryDecision =
  | { readonly retry: true; readonly reason: RetryReason; readonly delayMs: number }
  | { readonly retry: false; readonly reason: GiveUpReason }

// Decisions are shared constants, so deciding allocates nothing unless a Retry-After delay applies.
const retryNow = {
  'nothing-sent': { retry: true, reason: 'nothing-sent', delayMs: 0 },
  reset: { retry: true, reason: 'reset', delayMs: 0 },
  'per-try-timeout': { retry: true, reason: 'per-try-timeout', delayMs: 0 },
  'gateway-status': { retry: true, reason: 'gateway-status', delayMs: 0 },
} as const satisfies Record<RetryReason, RetryDecision>

const giveUp = {
  'max-attempts': { retry: false, reason: 'max-attempts' },
  deadline: { retry: false, reason: 'deadline' },
  'not-idempotent': { retry: false, reason: 'not-idempotent' },
  'status-not-retriable': { retry: false, reason: 'status-not-retriable' },
  'body-not-replayable': { retry: false, reason: 'body-not-replayable' },
  'retry-after-past-deadline': { retry: false, reason: 'retry-after-past-deadline' },
} as const satisfies Record<GiveUpReason, RetryDecision>

/** Whether the route treats `method` as idempotent. */
export function isIdempotent(
  method: string,
  options: { readonly idempotentMethods: readonly string[] },
): boolean {
  return options.idempotentMethods.includes(method)
}

/**
 * Whether to try again after a failed attempt, and why (for metrics and the debug header). Nothing is
 * sent twice that the upstream might have acted on unless the request is idempotent, and a body that
 * was streamed without being kept is never sent again.
 */
export function shouldRetry(input: RetryInput): RetryDecision {
  if (input.attempt >= input.maxAttempts) return giveUp['max-attempts']
  if (input.now >= input.deadline) return giveUp.deadline
  const { failure } = input
  // No byte reached the upstream: it cannot have acted, whatever the method, and the body is untouched.
  if (failure === 'connect-refused' || failure === 'connect-timeout') return retryNow['nothing-sent']
  if (failure === 'reset' && input.bytesSentUpstream === 0) return retryNow['nothing-sent']
  if (!input.idempotent) return giveUp['not-idempotent']
  if (failure === 'status' && !isGatewayStatus(input.status)) return giveUp['status-not-retriable']
  if (!input.bodyReplayable) return giveUp['body-not-replayable']
  if (failure === 'reset') return retryNow.reset
  if (failure === 'per-try-timeout') return retryNow['per-try-timeout']
  if (input.status === 503 && input.retryAfter) {
    const delayMs = retryAfterMs(input.retryAfter, input.now)
    if (delayMs > 0) {
      if (input.now + delayMs >= input.deadline) return giveUp['retry-after-past-deadline']
      return { retry: true, reason: 'gateway-status', delayMs }
    }
  }
  return retryNow['gateway-status']
}

function isGatewayStatus(status: number | undefined): boolean {
  return status === 502 || status === 503 || status === 504
}

/** `Retry-After` as delay-seconds or an HTTP date, in ms from `now`; 0 when absent, past or unreadable. */
export function retryAfterMs(value: string, now: number): number {
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const at = Date.parse(trimmed)
  return Number.isNaN(at) ? 0 : Math.max(0, at - now)
}
