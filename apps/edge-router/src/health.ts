import type { EndpointHealth, HealthLookup } from '@nines/edge'
import type { Monitor } from '@nines/health'

/** Health by monitor id, as a list a worker message can carry. */
export type HealthEntries = readonly (readonly [id: string, health: EndpointHealth])[]

/** The monitor's verdicts now: effective state and the operator's override, per endpoint. */
export function healthEntries(monitor: Monitor): HealthEntries {
  return monitor
    .list()
    .map((s) => [s.endpoint.id, { effective: s.effective, override: s.override?.state }] as const)
}

/** A lookup over one set of entries (rebuilt on every change, read by every pool refresh). */
export function healthLookup(entries: HealthEntries): HealthLookup {
  const map = new Map(entries)
  return (id) => map.get(id)
}
