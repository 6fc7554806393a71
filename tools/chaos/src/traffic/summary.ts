// Counts per class and the longest outage: the longest stretch in which every request that started failed.
import type { Outcome } from './outcome.js'
import type { RequestClass } from './requests.js'

export interface ClassSummary {
  requests: number
  ok: number
  stale: number
  shed: number
  failed: number
  longestOutageMs: number
}

export interface TrafficSummary {
  byClass: Record<RequestClass, ClassSummary>
  /** Every class together. */
  requests: number
  failed: number
  longestOutageMs: number
  failures: Outcome[]
}

/**
 * From the start of the first failed request of a run of failures (in start order) to the start of the
 * next request that did not fail; a run that lasts to the end ends when its last request ended.
 */
export function longestOutageMs(outcomes: readonly Outcome[]): number {
  const sorted = [...outcomes].sort((a, b) => a.at - b.at)
  let longest = 0
  let runStart: number | undefined
  let runEnd = 0
  for (const o of sorted) {
    if (o.result === 'failed') {
      runStart ??= o.at
      runEnd = Math.max(runEnd, o.at + o.ms)
    } else if (runStart !== undefined) {
      longest = Math.max(longest, o.at - runStart)
      runStart = undefined
    }
  }
  if (runStart !== undefined) longest = Math.max(longest, runEnd - runStart)
  return longest
}

export function summarize(outcomes: readonly Outcome[], from = -Infinity, to = Infinity): TrafficSummary {
  const inRange = outcomes.filter((o) => o.at >= from && o.at < to)
  const byClass = {} as Record<RequestClass, ClassSummary>
  for (const c of ['critical', 'normal', 'sheddable'] as const) {
    const of = inRange.filter((o) => o.class === c)
    byClass[c] = {
      requests: of.length,
      ok: of.filter((o) => o.result === 'ok').length,
      stale: of.filter((o) => o.result === 'stale').length,
      shed: of.filter((o) => o.result === 'shed').length,
      failed: of.filter((o) => o.result === 'failed').length,
      longestOutageMs: longestOutageMs(of),
    }
  }
  const failures = inRange.filter((o) => o.result === 'failed')
  return {
    byClass,
    requests: inRange.length,
    failed: failures.length,
    longestOutageMs: longestOutageMs(inRange),
    failures,
  }
}
