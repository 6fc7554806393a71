import type { RequestRecord } from '@nines/edge'
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
  readonly connections: number
}

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
  connections = 0

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

  snapshot(): StatsSnapshot {
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
      connections: this.connections,
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
    for (const [k, h] of Object.entries(other.duration)) histogram(this.duration, k).add(h)
    for (const [k, h] of Object.entries(other.upstream)) histogram(this.upstream, k).add(h)
    this.connections += other.connections
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
