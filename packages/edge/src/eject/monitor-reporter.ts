import type { Monitor } from '@nines/health'
import type { AttemptObservation } from './ejector.js'

/**
 * An `onObservation` hook that feeds the monitor's passive signal, so active health also hears what the
 * router saw. The monitor's ids must be the pool's endpoint ids; unknown ids are ignored by the monitor.
 */
export function monitorReporter(monitor: Pick<Monitor, 'report'>): (observation: AttemptObservation) => void {
  return (observation) =>
    monitor.report(observation.endpointId, {
      ok: observation.outcome === 'ok',
      latencyMs: observation.latencyMs ?? 0,
      detail: observation.outcome,
    })
}
