import type { NameReport, QueryCountersSnapshot } from '@nines/dns'
import type { Monitor } from '@nines/health'
import type { Metrics } from '@nines/ops'
import type { Snapshot } from './daemon.js'

export interface MetricsSources {
  readonly metrics: Metrics
  readonly monitor: Monitor
  /** Read at scrape time only: the query path never touches prom-client. */
  readonly counters: () => QueryCountersSnapshot
  readonly snapshot: () => Snapshot | undefined
}

/**
 * Prometheus metrics of nines-dns (`nines_dns_*`). Query counters are plain numbers the query path
 * increments and are read only when /metrics is scraped; health metrics count monitor events.
 */
export function exportMetrics(sources: MetricsSources): {
  onRebuild(before: readonly NameReport[] | undefined, after: readonly NameReport[]): void
} {
  const { metrics, monitor } = sources
  let scraped: QueryCountersSnapshot | undefined
  const counters = (): QueryCountersSnapshot => (scraped ??= sources.counters())
  // One snapshot per scrape, shared by every metric below.
  const fresh =
    <T>(read: () => T) =>
    () => {
      scraped = undefined
      return read()
    }

  metrics.collectedCounter(
    'queries_total',
    'Queries answered, by query type.',
    ['qtype'],
    fresh(() => Object.entries(counters().queriesByQtype).map(([qtype, n]) => [{ qtype }, n] as const)),
  )
  metrics.collectedCounter('responses_total', 'Responses, by rcode.', ['rcode'], () =>
    Object.entries(counters().responsesByRcode).map(([rcode, n]) => [{ rcode }, n] as const),
  )
  metrics.collectedCounter('queries_by_transport_total', 'Queries by transport.', ['transport'], () =>
    Object.entries(counters().queriesByTransport).map(([transport, n]) => [{ transport }, n] as const),
  )
  metrics.collectedCounter('truncated_total', 'UDP responses sent with TC=1.', [], () => counters().truncated)
  metrics.collectedCounter(
    'formerr_total',
    'Malformed queries answered FORMERR.',
    [],
    () => counters().formerr,
  )
  metrics.collectedCounter(
    'dropped_total',
    'Messages dropped unanswered (responses, runts).',
    [],
    () => counters().dropped,
  )
  metrics.collectedCounter(
    'internal_errors_total',
    'Queries answered SERVFAIL after an internal error.',
    [],
    () => counters().internalErrors,
  )
  metrics.collectedHistogram(
    'answer_duration_seconds',
    'Time from a query to its reply buffer (sampled).',
    [],
    () => {
      const { latency } = counters()
      return [[{}, { bounds: latency.bounds, counts: latency.counts, sum: latency.sum }] as const]
    },
  )

  const probes = metrics.counter('probes_total', 'Health probes, by pool and result.', ['pool', 'result'])
  monitor.on('probe', (event) =>
    probes.inc({ pool: event.pool ?? '', result: event.result.ok ? 'ok' : 'fail' }),
  )
  const transitions = metrics.counter('transitions_total', 'Effective state changes of endpoints.', [
    'pool',
    'to',
  ])
  monitor.on('transition', (event) => transitions.inc({ pool: event.pool ?? '', to: event.effectiveTo }))
  metrics.collectedGauge(
    'endpoint_up',
    '1 while an endpoint takes traffic (effective state up).',
    ['pool', 'endpoint'],
    () =>
      monitor
        .list()
        .map((s) => [{ pool: s.pool ?? '', endpoint: s.endpoint.id }, s.effective === 'up' ? 1 : 0] as const),
  )
  const names = () => sources.snapshot()?.names ?? []
  metrics.collectedGauge(
    'name_panic',
    '1 while a name answers in panic (below its panic threshold).',
    ['name'],
    () => names().map((n) => [{ name: n.name }, n.panic ? 1 : 0] as const),
  )
  metrics.collectedGauge(
    'name_failed_open',
    '1 while a name answers fail-open: every endpoint down.',
    ['name'],
    () => names().map((n) => [{ name: n.name }, n.failedOpen ? 1 : 0] as const),
  )
  const failOpen = metrics.counter('fail_open_total', 'Times a name started answering fail-open.', ['name'])

  return {
    onRebuild(before, after) {
      const was = new Set((before ?? []).filter((n) => n.failedOpen).map((n) => n.name))
      for (const name of after) if (name.failedOpen && !was.has(name.name)) failOpen.inc({ name: name.name })
    },
  }
}
