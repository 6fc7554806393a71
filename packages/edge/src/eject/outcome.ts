import type { AttemptOutcome } from './ejector.js'

/** The same facts `shouldRetry` takes: how the attempt failed, or `status` with the response's status. */
export type AttemptResult = 'connect-refused' | 'connect-timeout' | 'reset' | 'per-try-timeout' | 'status'

/**
 * What ejection counts for one attempt, so the proxy classifies once for both ejection and retries.
 * Only 5xx count against an endpoint: a 4xx is the client's doing.
 */
export function attemptOutcome(result: AttemptResult, status?: number): AttemptOutcome {
  switch (result) {
    case 'connect-refused':
    case 'connect-timeout':
      return 'connect-failure'
    case 'reset':
      return 'reset'
    case 'per-try-timeout':
      return 'timeout'
    case 'status':
      if (status === 502 || status === 503 || status === 504) return 'gateway-error'
      return status !== undefined && status >= 500 && status <= 599 ? '5xx' : 'ok'
  }
}
