import type { Logger } from '@nines/core'

/**
 * Logs at most once per `everyMs` (default 10 s), adding how many were suppressed since: a flood of
 * bad packets or a failing resolver must not turn into a flood of log lines.
 */
export function throttledLog(
  logger: Logger,
  level: 'warn' | 'error',
  everyMs = 10_000,
): (fields: object, message: string) => void {
  let loggedAt = -Infinity
  let suppressed = 0
  return (fields, message) => {
    const now = Date.now()
    if (now - loggedAt < everyMs) {
      suppressed++
      return
    }
    logger[level]({ ...fields, suppressed }, message)
    loggedAt = now
    suppressed = 0
  }
}
