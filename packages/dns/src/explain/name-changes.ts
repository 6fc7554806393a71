import type { NameReport, NameState } from '../answers/types.js'

export interface NameChange {
  readonly name: string
  /** undefined for a name the previous build did not have (the first build, a name added by a reload). */
  readonly from: NameState | undefined
  readonly to: NameState
  /** Answering every endpoint although none is up (all-down policy `fail-open`). */
  readonly failedOpen: boolean
  readonly reason: string
}

/**
 * The dynamic names whose state (healthy, degraded, panic, all-down) or fail-open changed from one
 * build to the next, in `after`'s order: what the daemon logs, once per change. Names only in
 * `before` (removed by a reload) are not reported.
 */
export function nameChanges(
  before: readonly NameReport[] | undefined,
  after: readonly NameReport[],
): NameChange[] {
  const previous = new Map((before ?? []).map((report) => [report.name, report]))
  const changes: NameChange[] = []
  for (const report of after) {
    const was = previous.get(report.name)
    if (was !== undefined && was.state === report.state && was.failedOpen === report.failedOpen) continue
    changes.push({
      name: report.name,
      from: was?.state,
      to: report.state,
      failedOpen: report.failedOpen,
      reason: report.reason,
    })
  }
  return changes
}
