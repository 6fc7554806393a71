import { isIP, isIPv6 } from 'node:net'
import type { ProbeTarget } from '../probe.js'

/** Who an HTTP probe says it talks to. */
export interface RequestHost {
  /** The Host header: a name or address, IPv6 literals in brackets, a configured port kept. */
  readonly header: string
  /** The host part alone, without brackets or port. */
  readonly name: string
  /** The TLS server name (SNI): the name, unless it is an address. */
  readonly servername: string | undefined
}

/** The configured host, else the endpoint's host name, else its address. */
export function requestHost(configured: string | undefined, target: ProbeTarget): RequestHost {
  const raw = configured ?? target.host ?? target.address
  if (isIPv6(raw)) return { header: `[${raw}]`, name: raw, servername: undefined }
  // `name`, `name:port`, `[v6]` or `[v6]:port`
  const match = /^(?:\[([^\]]+)\]|([^:]+))(?::\d+)?$/.exec(raw)
  const name = match?.[1] ?? match?.[2] ?? raw
  return { header: raw, name, servername: isIP(name) === 0 ? name : undefined }
}

/** Where a request currently is, to resolve a relative Location against. */
export interface RequestPlace {
  readonly tls: boolean
  readonly host: RequestHost
  readonly port: number
  readonly path: string
}

/**
 * The path to follow for a redirect that stays on the probed endpoint (relative, or absolute with the same
 * scheme, host and port), else undefined: a probe checks one endpoint and never goes elsewhere.
 */
export function redirectPath(location: string, from: RequestPlace): string | undefined {
  const scheme = from.tls ? 'https:' : 'http:'
  const hostname = isIPv6(from.host.name) ? `[${from.host.name}]` : from.host.name
  try {
    const base = new URL(`${scheme}//${hostname}${from.path}`)
    const next = new URL(location, base)
    const samePort = next.port === '' || Number(next.port) === from.port
    if (next.protocol !== scheme || next.hostname !== base.hostname || !samePort) return undefined
    return `${next.pathname}${next.search}`
  } catch {
    return undefined
  }
}
