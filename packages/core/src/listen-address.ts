import { isIPv4, isIPv6 } from 'node:net'

/** A listen address as both daemons write it: an IP literal and a port, never a host name. */
export interface ListenAddress {
  /** The IP literal, without brackets. */
  readonly host: string
  readonly port: number
  readonly family: 4 | 6
}

/** `127.0.0.1:5300` or `[::1]:8080` (port 0 = any free port), or null. Host names are not accepted. */
export function parseListenAddress(text: string): ListenAddress | null {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text)
  if (!match) return null
  const port = Number(match[3])
  if (port > 65_535) return null
  const v6 = match[1]
  if (v6 !== undefined) return isIPv6(v6) ? { host: v6, port, family: 6 } : null
  const v4 = match[2]!
  return isIPv4(v4) ? { host: v4, port, family: 4 } : null
}

/** How an address is written in messages and results: `127.0.0.1:5300`, `[::1]:5300`. */
export function formatListenAddress(address: ListenAddress): string {
  return address.family === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`
}
