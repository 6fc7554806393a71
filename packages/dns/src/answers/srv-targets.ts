import type { EndpointConfig } from '@nines/health'
import { isHostName } from '../zone/names.js'

/**
 * The SRV target of each endpoint of a dynamic name: its `host` when that is a host name, else
 * `<endpoint name or index>.<name>`, which the table also answers with the endpoint's address.
 */
export function srvTargets(name: string, endpoints: readonly EndpointConfig[]): string[] {
  const used = new Set<string>()
  return endpoints.map((endpoint, index) => {
    const host = endpoint.host?.replace(/\.$/, '').toLowerCase()
    if (host !== undefined && isHostName(host)) return host
    let label = endpoint.name?.toLowerCase() ?? String(index)
    // Names differing only in case, or a name that looks like another endpoint's index.
    if (used.has(label)) label = `${label}-${index}`
    used.add(label)
    return `${label}.${name}`
  })
}
