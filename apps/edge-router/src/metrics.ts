import type { Metrics } from '@nines/ops'
import type { EdgeNode } from './node.js'
import { labelsOf, type StatsSnapshot } from './stats.js'

/**
 * Prometheus metrics of nines-edge's own (`nines_edge_*`; health ones come from the runtime). Request
 * counts are plain numbers the request path increments (per worker), read and summed only when scraped.
 */
export function exportEdgeMetrics(
  metrics: Metrics,
  stats: () => StatsSnapshot,
  node: () => EdgeNode | undefined,
): void {
  let scraped: StatsSnapshot | undefined
  // One snapshot per scrape, shared by every metric below; the first one read takes it.
  const first =
    <T>(read: (s: StatsSnapshot) => T) =>
    () => {
      scraped = stats()
      return read(scraped)
    }
  const current = () => (scraped ??= stats())
  const split = <L extends string>(record: Readonly<Record<string, number>>, names: readonly L[]) =>
    Object.entries(record).map(([key, n]) => {
      const values = labelsOf(key)
      return [
        Object.fromEntries(names.map((name, i) => [name, values[i] ?? ''])) as Record<L, string>,
        n,
      ] as const
    })

  metrics.collectedCounter(
    'requests_total',
    'Requests answered, by route, class, status and the endpoint that served or was tried last.',
    ['route', 'class', 'status', 'endpoint'],
    first((s) => split(s.requests, ['route', 'class', 'status', 'endpoint'] as const)),
  )
  metrics.collectedHistogram(
    'request_duration_seconds',
    'From arrival to the end of the response, by route.',
    ['route'],
    () => Object.entries(current().duration).map(([route, h]) => [{ route }, h] as const),
  )
  metrics.collectedHistogram(
    'upstream_duration_seconds',
    'From sending to the end of the served response, by endpoint.',
    ['endpoint'],
    () => Object.entries(current().upstream).map(([endpoint, h]) => [{ endpoint }, h] as const),
  )
  metrics.collectedCounter(
    'attempts_total',
    'Upstream attempts, first tries included, by route.',
    ['route'],
    () => split(current().attempts, ['route'] as const),
  )
  metrics.collectedCounter('retries_total', 'Retries, by route and why.', ['route', 'reason'], () =>
    split(current().retries, ['route', 'reason'] as const),
  )
  metrics.collectedCounter(
    'errors_total',
    'Answers the router made itself (misses, 502/503/504, 413), by route and code; NINES_ERR_RETRY_BUDGET counts budget exhaustion.',
    ['route', 'code'],
    () => split(current().errors, ['route', 'code'] as const),
  )
  metrics.collectedCounter(
    'ejections_total',
    'Passive ejections, by pool and reason.',
    ['pool', 'reason'],
    () => split(current().ejections, ['pool', 'reason'] as const),
  )
  metrics.collectedCounter(
    'panic_requests_total',
    'Requests balanced while their pool was in panic.',
    ['pool'],
    () => split(current().panicRequests, ['pool'] as const),
  )
  metrics.collectedCounter(
    'degraded_total',
    "Answers not relayed from an upstream, by route, how (hit: a fresh copy; stale: a stale copy; fallback: the route's fallback) and why (the stale reason or the error code).",
    ['route', 'how', 'why'],
    () => split(current().degraded, ['route', 'how', 'why'] as const),
  )
  metrics.collectedGauge(
    'admission_limit',
    "The pool's adaptive concurrency limit (summed over workers).",
    ['pool'],
    () => split(current().busy.limit, ['pool'] as const),
  )
  metrics.collectedGauge(
    'admission_inflight',
    'Admitted requests in flight, by pool and class.',
    ['pool', 'class'],
    () => split(current().busy.inflight, ['pool', 'class'] as const),
  )
  metrics.collectedGauge(
    'admission_queued',
    'Requests waiting for admission, by pool and class.',
    ['pool', 'class'],
    () => split(current().busy.queued, ['pool', 'class'] as const),
  )
  metrics.collectedCounter('admitted_total', 'Requests admitted, by pool and class.', ['pool', 'class'], () =>
    split(current().busy.admitted, ['pool', 'class'] as const),
  )
  metrics.collectedCounter(
    'shed_total',
    'Requests shed by admission, by pool, class and reason (queue-full, queue-timeout, deadline, evicted, closed).',
    ['pool', 'class', 'reason'],
    () => split(current().busy.shed, ['pool', 'class', 'reason'] as const),
  )
  metrics.collectedGauge(
    'cache_entries',
    'Responses stored in the cache.',
    [],
    () => current().busy.cacheEntries,
  )
  metrics.collectedGauge(
    'cache_bytes',
    'Bytes the cache holds (an estimate: bodies, headers and overhead).',
    [],
    () => current().busy.cacheBytes,
  )
  metrics.collectedGauge('open_connections', 'Open client connections.', [], () => current().connections)
  metrics.collectedGauge('pool_panic', '1 while the pool is in panic (in this process).', ['pool'], () =>
    [...(node()?.router.pools.values() ?? [])].map((p) => [{ pool: p.name }, p.view.panic ? 1 : 0] as const),
  )
  metrics.collectedGauge(
    'endpoints_ejected',
    'Endpoints passively ejected now (in this process).',
    ['pool'],
    () =>
      [...(node()?.router.pools.values() ?? [])].map(
        (p) => [{ pool: p.name }, p.ejector.ejectedCount] as const,
      ),
  )
}
