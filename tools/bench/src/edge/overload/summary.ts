// What one overload step's requests came to, per class: pure functions of what the generator recorded.
import { percentile } from '../../lib/percentile.js'
import { requestClasses, type RequestClass } from './class-mix.js'

/**
 * ok: a fresh 2xx; stale: a 2xx with `x-nines-cache: stale; reason=…`; shed: 503 with
 * `x-nines-error: NINES_ERR_SHED`; error: anything else (other statuses, connection errors, no answer in
 * time); unsent: the generator had no free connection at its slot (its own limit, never silently late).
 */
export type Outcome = 'ok' | 'stale' | 'shed' | 'error' | 'unsent'

export interface RequestRecord {
  readonly cls: RequestClass
  readonly outcome: Outcome
  /** from the request's scheduled send time to the end of its answer (or to when it was given up) */
  readonly latencyMs: number
  /** for errors: `503`, `504 NINES_ERR_TIMEOUT`, `ECONNRESET`, `unanswered`…; for sheds without Retry-After: `no Retry-After` */
  readonly detail?: string
}

/** An answer's outcome from its status and headers (lower-case names, as undici gives them). */
export function classify(
  status: number,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): { outcome: Outcome; detail?: string } {
  const one = (name: string) => {
    const value = headers[name]
    return Array.isArray(value) ? value[0] : value
  }
  const error = one('x-nines-error')
  if (status >= 200 && status <= 299) {
    return { outcome: /^stale\b/i.test(one('x-nines-cache') ?? '') ? 'stale' : 'ok' }
  }
  if (status === 503 && error === 'NINES_ERR_SHED') {
    return one('retry-after') === undefined
      ? { outcome: 'shed', detail: 'no Retry-After' }
      : { outcome: 'shed' }
  }
  return { outcome: 'error', detail: error ? `${status} ${error}` : String(status) }
}

export interface ClassSummary {
  readonly cls: RequestClass
  /** scheduled in the measured part of the step */
  readonly requests: number
  readonly ok: number
  readonly stale: number
  readonly shed: number
  readonly errors: number
  readonly unsent: number
  /** answered (or given up) later than deadline + grace after their scheduled time */
  readonly overDeadline: number
  /** over every sent request: successes, sheds and errors alike (what the client waited) */
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
  /** counts of error details and of sheds without Retry-After */
  readonly details: Readonly<Record<string, number>>
}

export function summarize(
  records: readonly RequestRecord[],
  deadlineMs: number,
  graceMs: number,
): ClassSummary[] {
  return requestClasses.map((cls) => {
    const mine = records.filter((r) => r.cls === cls)
    const count = (outcome: Outcome) => mine.filter((r) => r.outcome === outcome).length
    const latencies = Float64Array.from(mine.filter((r) => r.outcome !== 'unsent').map((r) => r.latencyMs))
    latencies.sort()
    const details: Record<string, number> = {}
    for (const r of mine) if (r.detail) details[r.detail] = (details[r.detail] ?? 0) + 1
    return {
      cls,
      requests: mine.length,
      ok: count('ok'),
      stale: count('stale'),
      shed: count('shed'),
      errors: count('error'),
      unsent: count('unsent'),
      overDeadline: mine.filter((r) => r.outcome !== 'unsent' && r.latencyMs > deadlineMs + graceMs).length,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies.length ? latencies[latencies.length - 1]! : Number.NaN,
      details,
    }
  })
}

/** Successes (fresh or stale) as a share of the class's requests; NaN without requests. */
export const successShare = (s: ClassSummary): number =>
  s.requests ? (s.ok + s.stale) / s.requests : Number.NaN
