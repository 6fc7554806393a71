/** The client classes of the edge's routes. */
export type RequestClass = 'critical' | 'normal' | 'sheddable'
export const REQUEST_CLASSES: readonly RequestClass[] = ['critical', 'normal', 'sheddable']

/** What the report reads of one client request (a subset of traffic's Outcome). */
export interface ObservedRequest {
  /** Epoch ms when the request started. */
  readonly at: number
  readonly ms: number
  readonly class: RequestClass
  readonly name: string
  readonly result: 'ok' | 'stale' | 'shed' | 'failed'
  readonly method?: string
  readonly status?: number
  readonly error?: string
  /** The router that answered. */
  readonly edge?: string
  readonly retried?: boolean
}

export interface ClassFigures {
  readonly requests: number
  readonly ok: number
  readonly stale: number
  readonly shed: number
  readonly failed: number
  /** Available / requests; 1 with no requests. */
  readonly availability: number
  /** -log10(1 - availability); null when nothing failed (infinitely many). */
  readonly nines: number | null
  readonly longestOutageMs: number
}

/**
 * Available: answered (`ok`), answered from cache (`stale`), or, for a sheddable request only, shed with the
 * designed 503: that is the degradation the class is for. A shed critical or normal request is a failure.
 */
export function available(r: ObservedRequest): boolean {
  return r.result === 'ok' || r.result === 'stale' || (r.result === 'shed' && r.class === 'sheddable')
}

export function classFigures(requests: readonly ObservedRequest[]): ClassFigures {
  const count = (result: ObservedRequest['result']) => requests.filter((r) => r.result === result).length
  const good = requests.filter(available).length
  const availability = requests.length === 0 ? 1 : good / requests.length
  return {
    requests: requests.length,
    ok: count('ok'),
    stale: count('stale'),
    shed: count('shed'),
    failed: requests.length - good,
    availability,
    nines: ninesOf(availability),
    longestOutageMs: longestOutageMs(requests),
  }
}

/** Per class and overall. */
export function figuresByClass(
  requests: readonly ObservedRequest[],
): Record<RequestClass | 'overall', ClassFigures> {
  const of = (c: RequestClass) => classFigures(requests.filter((r) => r.class === c))
  return {
    critical: of('critical'),
    normal: of('normal'),
    sheddable: of('sheddable'),
    overall: classFigures(requests),
  }
}

export function ninesOf(availability: number): number | null {
  return availability >= 1 ? null : -Math.log10(1 - availability)
}

/**
 * The longest time a client saw only failures: from a failed request's start until the next request that
 * started and was answered (or, if none came, the end of the last failure). A lone failure between answers
 * counts as the gap to the next request, which at tens of requests a second is tens of milliseconds.
 */
export function longestOutageMs(requests: readonly ObservedRequest[]): number {
  const sorted = [...requests].sort((a, b) => a.at - b.at)
  let longest = 0
  let since: number | undefined
  let lastEnd = 0
  for (const r of sorted) {
    if (!available(r)) {
      since ??= r.at
      lastEnd = Math.max(lastEnd, r.at + r.ms)
    } else if (since !== undefined) {
      longest = Math.max(longest, r.at - since)
      since = undefined
    }
  }
  if (since !== undefined) longest = Math.max(longest, lastEnd - since)
  return longest
}

/** "99.9917 %", "100 %". */
export function formatPercent(fraction: number): string {
  if (fraction >= 1) return '100 %'
  return `${(Math.floor(fraction * 1e6) / 1e4).toFixed(4)} %`
}

/** "4.7 nines", "no failures". */
export function formatNines(nines: number | null): string {
  return nines === null ? 'no failures' : `${(Math.floor(nines * 10) / 10).toFixed(1)} nines`
}

/** "850 ms", "12.4 s". */
export function formatMs(ms: number): string {
  return ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(1)} s`
}
