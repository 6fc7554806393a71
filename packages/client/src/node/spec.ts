import { isIP } from 'node:net'
import { ClientArgumentError } from '../errors.js'

export type NameserverSpec =
  | { readonly kind: 'udp' | 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'https'; readonly url: URL }

/**
 * `127.0.0.1:5300`, `[::1]:53` or a bare address (port 53): UDP, TCP when truncated; `tcp://host:port`:
 * TCP only; `https://host:port/dns-query`: DoH (RFC 8484). Hosts of UDP/TCP specs are IP literals.
 */
export function parseNameserver(text: string, at = 'nameservers'): NameserverSpec {
  const fail = (why: string): never => {
    throw new ClientArgumentError(
      `${at}: ${why}, got ${JSON.stringify(text)}; expected 127.0.0.1:5300, [::1]:53, tcp://127.0.0.1:5300 or https://host:8443/dns-query`,
    )
  }
  if (typeof text !== 'string') return fail('not a string')
  if (/^https?:\/\//i.test(text)) {
    try {
      return { kind: 'https', url: new URL(text) }
    } catch {
      return fail('not a URL')
    }
  }
  const tcp = text.toLowerCase().startsWith('tcp://')
  const rest = tcp ? text.slice(6) : text.toLowerCase().startsWith('udp://') ? text.slice(6) : text
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest) ?? /^([^:]+)(?::(\d+))?$/.exec(rest)
  const host = match?.[1] ?? (isIP(rest) === 6 ? rest : undefined)
  const port = match?.[2] === undefined ? 53 : Number(match[2])
  if (host === undefined || isIP(host) === 0) return fail('the host is not an IP address')
  if (!Number.isInteger(port) || port < 1 || port > 65535) return fail('the port is not 1-65535')
  return { kind: tcp ? 'tcp' : 'udp', host, port }
}
