import { available, type ObservedRequest } from '../report/index.js'
import type { FaultTracker } from './tracker.js'

/** "[  35 s] 1400 requests, 2 failed (critical 0); on: kill a1, burst 3×" */
export function progressLine(
  elapsedMs: number,
  requests: readonly ObservedRequest[],
  trackers: readonly FaultTracker[],
): string {
  const failed = requests.filter((r) => !available(r))
  const critical = failed.filter((r) => r.class === 'critical').length
  const on = trackers
    .filter((t) => t.injectedAt !== undefined && t.healedAt === undefined)
    .map((t) =>
      t.fault.action === 'burst'
        ? `burst ${t.fault.params.multiplier}×`
        : `${t.fault.action} ${t.fault.target}`,
    )
  const seconds = `${Math.round(elapsedMs / 1_000)} s`.padStart(5)
  return `[${seconds}] ${requests.length} requests, ${failed.length} failed (critical ${critical}); faults on: ${on.length > 0 ? on.join(', ') : 'none'}`
}
