import type { AdmissionSnapshot, CacheSnapshot, RequestRecord } from '@nines/edge'
import { HistogramCounts, type HistogramSnapshot } from '@nines/ops'

/** Seconds; from a fast cache hit to the default overall deadline. */
export const durationBounds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15]

const SEP = '\u0000'

/** Counts of one process, plain numbers and maps, as a worker sends them to the primary. */
export interface StatsSnapshot {
  /** route, class, status, endpoint → requests. */
  readonly requests: Readonly<Record<string, number>>
  /** route → total latency (arrival to the end of the response). */
  readonly duration: Readonly<Record<string, HistogramSnapshot>>
  /** endpoint → time from sending to the response's end, for requests it served. */
  readonly upstream: Readonly<Record<string, HistogramSnapshot>>
  /** route → attempts made. */
  readonly attempts: Readonly<Record<string, number>>
  /** route, reason → retries. */
  readonly retries: Readonly<Record<string, number>>
  /** route, code → answers the router made itself. */
  readonly errors: Readonly<Record<string, number>>
  /** pool → requests balanced while the pool was in panic. */
  readonly panicRequests: Readonly<Record<string, number>>
  /** pool, reason → passive ejections. */
  readonly ejections: Readonly<Record<string, number>>
  /** route, how (`hit`, `stale`, `fallback`), why (stale reason or error code) → answers not relayed. */
  readonly degraded: Readonly<Record<string, number>>
  readonly connections: number
  /** What the serving process's pools and cache hold now (`BusyFigures`), summed over workers. */
  readonly busy: BusyFigures
}

/** Admission and cache figures of the serving process(es): gauges and counters kept by the stages. */
export interface BusyFigures {
  /** pool → admission limit. */
  readonly limit: Readonly<Record<string, number>>
  /** pool, class → requests in flight / waiting / admitted in all / shed in all (pool, class, reason). */
  readonly inflight: Readonly<Record<string, number>>
  readonly queued: Readonly<Record<string, number>>
  readonly admitted: Readonly<Record<string, number>>
  readonly shed: Readonly<Record<string, number>>
  readonly cacheEntries: number
  readonly cacheBytes: number
}

/** What a node's pools and cache hold now. */
export function busyFigures(
  pools: Iterable<{
    readonly name: string
    readonly admission: { snapshot(): AdmissionSnapshot } | undefined
  }>,
  cache: { snapshot(): CacheSnapshot } | undefined,
): BusyFigures {
  const limit: Record<string, number> = {}
  const inflight: Record<string, number> = {}
  const queued: Record<string, number> = {}
  const admitted: Record<string, number> = {}
  const shed: Record<string, number> = {}
  for (const pool of pools) {
    const a = pool.admission?.snapshot()
    if (a === undefined) continue
    limit[pool.name] = a.limit
    for (const cls of Object.keys(a.inflight) as (keyof AdmissionSnapshot['inflight'])[]) {
      const key = `${pool.name}${SEP}${cls}`
      inflight[key] = a.inflight[cls]
      queued[key] = a.queued[cls]
      admitted[key] = a.admitted[cls]
      for (const [reason, n] of Object.entries(a.shed[cls])) if (n > 0) shed[`${key}${SEP}${reason}`] = n
    }
  }
  const c = cache?.snapshot()
  return { limit, inflight, queued, admitted, shed, cacheEntries: c?.entries ?? 0, cacheBytes: c?.bytes ?? 0 }
}

const noBusy = busyFigures([], undefined)

/**
 * Per-request counters of the edge, kept as plain numbers the hot path increments and turned into
 * Prometheus series only when scraped (and summed over workers).
 */
export class RequestStats {
  readonly requests = new Map<string, number>()
  readonly duration = new Map<string, HistogramCounts>()
  readonly upstream = new Map<string, HistogramCounts>()
  readonly attempts = new Map<string, number>()
  readonly retries = new Map<string, number>()
  readonly errors = new Map<string, number>()
  readonly panicRequests = new Map<string, number>()
  readonly ejections = new Map<string, number>()
  readonly degraded = new Map<string, number>()
  connections = 0
  /** Workers' figures summed by `add` (the primary has no node of its own). */
  #busy: BusyFigures = noBusy

  ejected(pool: string, reason: string): void {
    bump(this.ejections, `${pool}${SEP}${reason}`, 1)
  }

  /** route → class → endpoint → status → the `requests` key, so a request builds no key string. */
  readonly #requestKeys = new Map<string, Map<string, Map<string, Map<number, string>>>>()

  record(r: RequestRecord): void {
    const route = r.route ?? ''
    bump(this.requests, this.#requestKey(route, r.class ?? '', r.endpoint ?? '', r.status), 1)
    histogram(this.duration, route).observe(r.durationMs / 1000)
    if (r.upstreamMs !== undefined && r.endpoint !== undefined)
      histogram(this.upstream, r.endpoint).observe(r.upstreamMs / 1000)
    if (r.attempts > 0) bump(this.attempts, route, r.attempts)
    for (const reason of r.retries) bump(this.retries, `${route}${SEP}${reason}`, 1)
    if (r.code !== undefined) bump(this.errors, `${route}${SEP}${r.code}`, 1)
    if (r.panic && r.pool !== undefined) bump(this.panicRequests, r.pool, 1)
    if (r.cache !== undefined) bump(this.degraded, `${route}${SEP}${r.cache}${SEP}${r.staleReason ?? ''}`, 1)
    else if (r.fallback) bump(this.degraded, `${route}${SEP}fallback${SEP}${r.code ?? ''}`, 1)
  }

  #requestKey(route: string, cls: string, endpoint: string, status: number): string {
    let byClass = this.#requestKeys.get(route)
    if (byClass === undefined) this.#requestKeys.set(route, (byClass = new Map()))
    let byEndpoint = byClass.get(cls)
    if (byEndpoint === undefined) byClass.set(cls, (byEndpoint = new Map()))
    let byStatus = byEndpoint.get(endpoint)
    if (byStatus === undefined) byEndpoint.set(endpoint, (byStatus = new Map()))
    let key = byStatus.get(status)
    if (key === undefined)
      byStatus.set(status, (key = `${route}${SEP}${cls}${SEP}${status}${SEP}${endpoint}`))
    return key
  }

  /** `busy`: the serving process's own figures (`busyFigures(node…)`); absent, what `add` summed. */
  snapshot(busy: BusyFigures = this.#busy): StatsSnapshot {
    const histograms = (map: Map<string, HistogramCounts>) =>
      Object.fromEntries([...map].map(([k, h]) => [k, h.snapshot()]))
    return {
      requests: Object.fromEntries(this.requests),
      duration: histograms(this.duration),
      upstream: histograms(this.upstream),
      attempts: Object.fromEntries(this.attempts),
      retries: Object.fromEntries(this.retries),
      errors: Object.fromEntries(this.errors),
      panicRequests: Object.fromEntries(this.panicRequests),
      ejections: Object.fromEntries(this.ejections),
      degraded: Object.fromEntries(this.degraded),
      connections: this.connections,
      busy,
    }
  }

  /** Adds a worker's snapshot (the primary sums them at scrape time). */
  add(other: StatsSnapshot): void {
    const sum = (map: Map<string, number>, from: Readonly<Record<string, number>>) => {
      for (const [k, n] of Object.entries(from)) bump(map, k, n)
    }
    sum(this.requests, other.requests)
    sum(this.attempts, other.attempts)
    sum(this.retries, other.retries)
    sum(this.errors, other.errors)
    sum(this.panicRequests, other.panicRequests)
    sum(this.ejections, other.ejections)
    sum(this.degraded, other.degraded)
    this.#busy = addBusy(this.#busy, other.busy)
    for (const [k, h] of Object.entries(other.duration)) histogram(this.duration, k).add(h)
    for (const [k, h] of Object.entries(other.upstream)) histogram(this.upstream, k).add(h)
    this.connections += other.connections
  }
}

function addBusy(a: BusyFigures, b: BusyFigures): BusyFigures {
  const plus = (x: Readonly<Record<string, number>>, y: Readonly<Record<string, number>>) => {
    const out: Record<string, number> = { ...x }
    for (const [k, n] of Object.entries(y)) out[k] = (out[k] ?? 0) + n
    return out
  }
  return {
    limit: plus(a.limit, b.limit),
    inflight: plus(a.inflight, b.inflight),
    queued: plus(a.queued, b.queued),
    admitted: plus(a.admitted, b.admitted),
    shed: plus(a.shed, b.shed),
    cacheEntries: a.cacheEntries + b.cacheEntries,
    cacheBytes: a.cacheBytes + b.cacheBytes,
  }
}

/** Splits a key made of several labels. */
export const labelsOf = (key: string): string[] => key.split(SEP)

function bump(map: Map<string, number>, key: string, n: number): void {
  map.set(key, (map.get(key) ?? 0) + n)
}

function histogram(map: Map<string, HistogramCounts>, key: string): HistogramCounts {
  let h = map.get(key)
  if (h === undefined) map.set(key, (h = new HistogramCounts(durationBounds)))
  return h
}
