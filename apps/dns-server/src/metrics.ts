import type { NameReport, QueryCountersSnapshot } from '@nines/dns'
import type { Metrics } from '@nines/ops'
import type { Snapshot } from './answers.js'

export interface MetricsSources {
  readonly metrics: Metrics
  /** Read at scrape time only: the query path never touches prom-client. */
  readonly counters: () => QueryCountersSnapshot
  readonly snapshot: () => Snapshot | undefined
}

/**
 * Prometheus metrics of nines-dns's own (`nines_dns_*`; the health ones come from the runtime). Query
 * counters are plain numbers the query path increments and are read only when /metrics is scraped.
 */
export function exportDnsMetrics(sources: MetricsSources): {
  onRebuild(before: readonly NameReport[] | undefined, after: readonly NameReport[]): void
} {
  const { metrics } = sources
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

  // The socket layer: what limits and rate limiting did, which no response counter shows.
  const socket = () => counters().socket
  metrics.collectedCounter(
    'rrl_dropped_total',
    'Responses the rate limiter dropped.',
    [],
    () => socket().rrlDropped,
  )
  metrics.collectedCounter(
    'rrl_slipped_total',
    'Rate-limited responses sent empty with TC=1 (the truncations RRL causes).',
    [],
    () => socket().rrlSlipped,
  )
  metrics.collectedCounter(
    'tls_handshake_errors_total',
    'DoH and DoT TLS handshakes that failed or timed out.',
    [],
    () => socket().tlsHandshakeErrors,
  )
  metrics.collectedCounter(
    'doh_refused_total',
    'DoH requests answered with an HTTP error, by reason.',
    ['reason'],
    () => [
      [{ reason: 'bad_request' }, socket().dohBadRequests] as const,
      [{ reason: 'rate_limited' }, socket().dohRateLimited] as const,
    ],
  )
  // DoT and DoH connections share the TCP connection budget and these counters.
  metrics.collectedCounter('tcp_accepted_total', 'TCP connections accepted.', [], () => socket().tcpAccepted)
  metrics.collectedCounter(
    'tcp_rejected_total',
    'TCP connections closed at once, by limit.',
    ['reason'],
    () => [
      [{ reason: 'max_connections' }, socket().tcpRejected] as const,
      [{ reason: 'per_source' }, socket().tcpRejectedPerSource] as const,
    ],
  )
  metrics.collectedCounter(
    'tcp_closed_total',
    'TCP connections the server closed, by cause.',
    ['reason'],
    () => [
      [{ reason: 'idle' }, socket().tcpIdleTimeouts] as const,
      [{ reason: 'message_timeout' }, socket().tcpMessageTimeouts] as const,
      [{ reason: 'bad_frame' }, socket().tcpBadFrames] as const,
    ],
  )
  metrics.collectedGauge('tcp_open', 'TCP connections open now.', [], () => [[{}, socket().tcpOpen] as const])
  metrics.collectedCounter('tcp_errors_total', 'TCP socket errors.', [], () => socket().tcpErrors)
  metrics.collectedCounter(
    'udp_errors_total',
    'UDP socket errors and failed sends; datagrams from source port 0.',
    ['reason'],
    () => [
      [{ reason: 'error' }, socket().udpErrors] as const,
      [{ reason: 'bad_source_port' }, socket().udpBadSourcePort] as const,
    ],
  )

  const names = () => sources.snapshot()?.names ?? []
  const states = ['healthy', 'degraded', 'panic', 'all-down'] as const
  metrics.collectedGauge(
    'name_state',
    "1 for a dynamic name's state (healthy, degraded, panic, all-down), 0 for the others.",
    ['name', 'state'],
    () =>
      names().flatMap((n) =>
        states.map((state) => [{ name: n.name, state }, n.state === state ? 1 : 0] as const),
      ),
  )
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
