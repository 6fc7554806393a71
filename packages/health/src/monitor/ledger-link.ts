import type { AvailabilityLedger } from '../ledger/index.js'
import type { TransitionEvent } from './events.js'
import type { Monitor } from './monitor.js'

/**
 * Records every effective state change of a monitor's endpoints in an availability ledger: `up` is
 * available; `down` and `drain` are not (drain and planned overrides count as planned downtime).
 * Returns a function that stops recording.
 */
export function recordAvailability(monitor: Monitor, ledger: AvailabilityLedger): () => void {
  const onTransition = (event: TransitionEvent): void => {
    if (event.effectiveTo === 'unknown' || event.effectiveTo === event.effectiveFrom) return
    const up = event.effectiveTo === 'up'
    ledger.record({
      endpointId: event.endpoint.id,
      ...(event.pool === undefined ? {} : { pool: event.pool }),
      state: up ? 'up' : 'down',
      at: event.at,
      planned: !up && (event.effectiveTo === 'drain' || event.override?.planned === true),
      reason: event.reason,
    })
  }
  monitor.on('transition', onTransition)
  return () => monitor.off('transition', onTransition)
}
