import type { Monitor } from '@nines/health'
import type { Metrics } from '@nines/ops'

const states = ['up', 'down', 'drain', 'unknown'] as const

/**
 * Health metrics every daemon exports under its prefix: probes and transitions counted from monitor
 * events, and each endpoint's effective state read at scrape time (drain apart from down, so a planned
 * drain never pages anyone).
 */
export function exportHealthMetrics(metrics: Metrics, monitor: Monitor): void {
  const probes = metrics.counter('probes_total', 'Health probes, by pool and result.', ['pool', 'result'])
  monitor.on('probe', (event) =>
    probes.inc({ pool: event.pool ?? '', result: event.result.ok ? 'ok' : 'fail' }),
  )
  const transitions = metrics.counter('transitions_total', 'Effective state changes of endpoints.', [
    'pool',
    'to',
  ])
  monitor.on('transition', (event) => transitions.inc({ pool: event.pool ?? '', to: event.effectiveTo }))
  const endpointOf = (pool: string | undefined, id: string) => ({
    pool: pool ?? '',
    endpoint: pool === undefined ? id : id.slice(pool.length + 1),
  })
  metrics.collectedGauge(
    'endpoint_up',
    '1 while an endpoint takes traffic (effective state up).',
    ['pool', 'endpoint'],
    () =>
      monitor.list().map((s) => [endpointOf(s.pool, s.endpoint.id), s.effective === 'up' ? 1 : 0] as const),
  )
  metrics.collectedGauge(
    'endpoint_state',
    "1 for an endpoint's effective state (up, down, drain, unknown), 0 for the others.",
    ['pool', 'endpoint', 'state'],
    () =>
      monitor
        .list()
        .flatMap((s) =>
          states.map(
            (state) =>
              [{ ...endpointOf(s.pool, s.endpoint.id), state }, s.effective === state ? 1 : 0] as const,
          ),
        ),
  )
}
