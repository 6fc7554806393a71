// Node entry: the wire transports (UDP, TCP, DoH) on @nines/wire, `lookup` for node:net/http/undici,
// and the connection helpers. The browser entry's exports are here too.
import { ClientArgumentError } from '../errors.js'
import { createResolver, type Resolver, type ResolverOptions } from '../resolver.js'
import { connectOptions, type ConnectOptions } from './connect.js'
import { createLookup, type LookupFunction } from './lookup.js'
import type { DohMethod } from './doh.js'
import { nodeTransport } from './transport.js'

export * from '../index.js'
export { connect, connectOptions, createHttpAgent, createHttpsAgent, type ConnectOptions } from './connect.js'
export { createLookup, type LookupFunction } from './lookup.js'
export { parseNameserver, type NameserverSpec } from './spec.js'
export { nodeTransport, type NodeTransport } from './transport.js'
export { udpQuery } from './udp.js'
export { dotQuery, tcpQuery } from './tcp.js'
export { dohQuery, dohAgents, type DohAgents, type DohMethod } from './doh.js'
export { H2Sessions } from './h2.js'

export interface NodeResolverOptions extends Omit<ResolverOptions, 'transport'> {
  /**
   * Nameserver specs: `127.0.0.1:5300`, `[::1]:53`, `tcp://127.0.0.1:5300`, `tls://127.0.0.1:853` (DoT),
   * `https://127.0.0.1:8443/dns-query` (DoH).
   */
  readonly nameservers: readonly string[]
  /** The CA (PEM) that signed the DoH and DoT servers' certificates, for a private CA. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[]
  /** DoH: `POST` (default) or `GET ?dns=`, which HTTP caches can answer (RFC 8484 §4.1). */
  readonly dohMethod?: DohMethod
  /** DoH over https: HTTP/2 (one session per server, reused) when the server offers it; default true. */
  readonly dohHttp2?: boolean
  /** How long a connection attempt to one address may take before the next is tried; default 250. */
  readonly connectAttemptTimeoutMs?: number
}

export interface NodeResolver extends Resolver {
  /** `dns.lookup`'s signature, for `net.connect`, `http.request` and undici's `connect`. */
  readonly lookup: LookupFunction
  /**
   * `{ lookup, autoSelectFamily, autoSelectFamilyAttemptTimeout }`: pass to `net.connect`, `http.Agent`
   * or undici's `Agent({ connect })` so a refused or silent address moves on to the next at once.
   */
  readonly connectOptions: ConnectOptions
}

export function createNodeResolver(options: NodeResolverOptions): NodeResolver {
  const { ca, connectAttemptTimeoutMs, dohMethod, dohHttp2, ...rest } = options
  if (dohMethod !== undefined && dohMethod !== 'POST' && dohMethod !== 'GET') {
    throw new ClientArgumentError(`dohMethod: expected 'POST' or 'GET', got ${JSON.stringify(dohMethod)}`)
  }
  const transport = nodeTransport(options.nameservers ?? [], {
    ...(ca !== undefined && { ca }),
    ...(dohMethod !== undefined && { dohMethod }),
    ...(dohHttp2 !== undefined && { dohHttp2 }),
  })
  const resolver = createResolver({
    ...rest,
    transport: transport.transport,
    onClose: () => {
      transport.close()
      rest.onClose?.()
    },
  })
  const lookup = createLookup(resolver)
  return { ...resolver, lookup, connectOptions: connectOptions(lookup, connectAttemptTimeoutMs) }
}
