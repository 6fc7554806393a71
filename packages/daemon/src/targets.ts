import { toEndpoint, type MonitorTarget, type PoolConfig } from '@nines/health'

/** Monitor ids are `pool/endpoint`, so two pools may both name an endpoint `a`. */
export const monitorId = (pool: string, endpoint: string): string => `${pool}/${endpoint}`

/** Every endpoint of the named pools, as monitor targets; a pool named twice is probed once. */
export function poolTargets(
  pools: Readonly<Record<string, PoolConfig>>,
  names: Iterable<string>,
): MonitorTarget[] {
  const targets: MonitorTarget[] = []
  for (const pool of new Set(names)) {
    const config = pools[pool]
    if (config === undefined) continue
    for (const endpointConfig of config.endpoints) {
      const endpoint = toEndpoint(endpointConfig)
      targets.push({ endpoint: { ...endpoint, id: monitorId(pool, endpoint.id) }, pool, check: config.check })
    }
  }
  return targets
}
