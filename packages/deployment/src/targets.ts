import { poolTargets } from '@nines/daemon'
import type { MonitorTarget } from '@nines/health'
import type { Deployment } from './schema.js'

/** What nines-dns probes: every endpoint of the pools its names answer from. */
export function dnsTargets(config: Deployment): MonitorTarget[] {
  const zones = Object.values(config.dns?.zones ?? {})
  return poolTargets(
    config.pools,
    zones.flatMap((zone) => Object.values(zone.names).map((name) => name.pool)),
  )
}

/** What nines-edge probes: every endpoint of the pools its routes send to. */
export function edgeTargets(config: Deployment): MonitorTarget[] {
  return poolTargets(
    config.pools,
    (config.edge?.routes ?? []).map((route) => route.pool),
  )
}
