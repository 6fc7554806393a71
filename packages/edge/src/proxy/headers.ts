import { connectionListed, isHopByHop } from './hop-by-hop.js'
import { clientAddress, forwardedElement } from './forwarded.js'
import { requestIdHeader } from './request-id.js'

/** `Via` value this router adds both ways (RFC 9110 §7.6.3): `1.1 nines-edge` or `1.1 <instance>`. */
export function viaValue(name = 'nines-edge'): string {
  return `1.1 ${name}`
}

export interface UpstreamHeadersInput {
  /** `req.rawHeaders`: names as sent, duplicates kept, in order. */
  readonly rawHeaders: readonly string[]
  /** The peer's address (`req.socket.remoteAddress`); `unknown` when the socket no longer has one. */
  readonly peerAddress: string | undefined
  /** Whether the peer is a trusted proxy whose `X-Forwarded-*` and `Forwarded` are believed and extended. */
  readonly trusted: boolean
  /** The scheme the client used to reach this router. */
  readonly proto: 'http' | 'https'
  readonly requestId: string
  /** `viaValue(instance)`. */
  readonly via: string
  /**
   * A protocol upgrade (WebSocket): `Upgrade` is kept as sent and `Connection: upgrade` sent in place of
   * the client's `Connection`, which otherwise never passes.
   */
  readonly upgrade?: boolean | undefined
}

/**
 * The request head to send upstream, as a flat `[name, value, …]` list undici takes: hop-by-hop headers
 * and those the client's `Connection` names removed; `x-request-id` set to `requestId`; `Via` added;
 * `X-Forwarded-For` extended with the peer, `X-Forwarded-Proto`/`-Host` and `Forwarded` appended to. From
 * a peer that is not a trusted proxy, incoming `X-Forwarded-*` and `Forwarded` are dropped and rebuilt from
 * the connection, so a client cannot choose the address an upstream sees. `Host` is kept as sent.
 */
export function upstreamRequestHeaders(input: UpstreamHeadersInput): string[] {
  const raw = input.rawHeaders
  let listed: string[] | undefined
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === 10 && raw[i]!.toLowerCase() === 'connection')
      listed = connectionListed(raw[i + 1]!, listed)
  }
  const out: string[] = []
  let xff: string | undefined
  let xfProto: string | undefined
  let xfHost: string | undefined
  let forwarded: string | undefined
  let host: string | undefined
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    const value = raw[i + 1]!
    const lower = name.toLowerCase()
    if (lower === 'upgrade' && input.upgrade === true) {
      out.push(name, value)
      continue
    }
    if (isHopByHop(lower) || lower === 'expect' || lower === requestIdHeader) continue
    if (listed !== undefined && listed.includes(lower)) continue
    switch (lower) {
      case 'x-forwarded-for':
        if (input.trusted) xff = xff === undefined ? value : `${xff}, ${value}`
        continue
      case 'x-forwarded-proto':
        if (input.trusted) xfProto ??= value
        continue
      case 'x-forwarded-host':
        if (input.trusted) xfHost ??= value
        continue
      case 'forwarded':
        if (input.trusted) forwarded = forwarded === undefined ? value : `${forwarded}, ${value}`
        continue
      case 'host':
        host ??= value
        break
    }
    out.push(name, value)
  }
  const peer = input.peerAddress === undefined ? 'unknown' : clientAddress(input.peerAddress)
  const element = forwardedElement(peer, input.proto, host)
  out.push(
    'x-forwarded-for',
    xff === undefined ? peer : `${xff}, ${peer}`,
    'x-forwarded-proto',
    xfProto ?? input.proto,
    'forwarded',
    forwarded === undefined ? element : `${forwarded}, ${element}`,
    requestIdHeader,
    input.requestId,
    'via',
    input.via,
  )
  if (xfHost !== undefined || host !== undefined) out.push('x-forwarded-host', (xfHost ?? host)!)
  if (input.upgrade === true) out.push('connection', 'upgrade')
  return out
}

export interface ClientHeadersInput {
  /** undici's raw response headers: `[name, value, …]` as Buffers (or strings). */
  readonly rawHeaders: readonly (Buffer | string)[]
  readonly requestId: string
  readonly via: string
  /** Opt-in debug headers: the endpoint that served and the attempts it took. */
  readonly debug?: { readonly endpoint: string; readonly attempts: number } | undefined
  /** A `101 Switching Protocols` head: `Upgrade` kept and `Connection: upgrade` sent. */
  readonly upgrade?: boolean | undefined
  /**
   * Keep the upstream's `Trailer` header: only when the client's response will be chunked (HTTP/1.1, a
   * body, no `Content-Length`), since Node refuses a `Trailer` header otherwise.
   */
  readonly keepTrailer?: boolean | undefined
}

/**
 * The response head to write to the client, as a flat `[name, value, …]` list for `res.writeHead`:
 * hop-by-hop headers and those the upstream's `Connection` names removed, repeated headers (every
 * `set-cookie`) kept, the upstream's `x-request-id` replaced by the request's, `Via` added, and
 * `x-nines-endpoint`/`x-nines-attempts` when `debug` is given.
 */
export function clientResponseHeaders(input: ClientHeadersInput): string[] {
  const raw = input.rawHeaders
  let listed: string[] | undefined
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!
    if (name.length === 10 && name.toString('latin1').toLowerCase() === 'connection')
      listed = connectionListed(raw[i + 1]!.toString('latin1'), listed)
  }
  const out: string[] = []
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1')
    const lower = name.toLowerCase()
    const kept =
      (lower === 'upgrade' && input.upgrade === true) || (lower === 'trailer' && input.keepTrailer === true)
    if (!kept && (isHopByHop(lower) || lower === requestIdHeader)) continue
    if (!kept && listed !== undefined && listed.includes(lower)) continue
    out.push(name, raw[i + 1]!.toString('latin1'))
  }
  out.push(requestIdHeader, input.requestId, 'via', input.via)
  if (input.upgrade === true) out.push('connection', 'upgrade')
  if (input.debug !== undefined)
    out.push('x-nines-endpoint', input.debug.endpoint, 'x-nines-attempts', String(input.debug.attempts))
  return out
}
