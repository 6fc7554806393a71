import { isIP } from 'node:net'
import { ClientArgumentError } from '../errors.js'

export type NameserverSpec =
  | { readonly kind: 'udp' | 'tcp' | 'tls'; readonly host: string; readonly port: number }
  | { readonly kind: 'https'; readonly url: URL }

/**
 * `127.0.0.1:5300`, `[::1]:53` or a bare address (port 53): UDP, TCP when truncated; `tcp://host:port`:
 * TCP only; `tls://host:port` (port 853 by default): DoT (RFC 7858); `https://host:port/dns-query`: DoH
 * (RFC 8484). Hosts of UDP/TCP/DoT specs are IP literals.
 */
export function parseNameserver(text: string, at = 'nameservers'): NameserverSpec {
  const fail = (why: string): never => {
    throw new ClientArgumentError(
      `${at}: ${why}, got ${JSON.stringify(text)}; expected 127.0.0.1:5300, [::1]:53, tcp://127.0.0.1:5300, tls://127.0.0.1:853 or https://host:8443/dns-query`,
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
  const scheme = /^(udp|tcp|tls):\/\//i.exec(text)?.[1]?.toLowerCase() ?? 'udp'
  const rest = text.replace(/^(udp|tcp|tls):\/\//i, '')
  const match = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest) ?? /^([^:]+)(?::(\d+))?$/.exec(rest)
  const host = match?.[1] ?? (isIP(rest) === 6 ? rest : undefined)
  const port = match?.[2] === undefined ? (scheme === 'tls' ? 853 : 53) : Number(match[2])
  if (host === undefined || isIP(host) === 0) return fail('the host is not an IP address')
  if (!Number.isInteger(port) || port < 1 || port > 65535) return fail('the port is not 1-65535')
  return { kind: scheme as 'udp' | 'tcp' | 'tls', host, port }
}
