import type { Transport } from '../types.js'
import { dohAgents, dohQuery, type DohMethod } from './doh.js'
import { parseNameserver, type NameserverSpec } from './spec.js'
import { StreamConnections } from './tcp.js'
import { udpQuery } from './udp.js'

export interface NodeTransport {
  readonly transport: Transport
  close(): void
}

/**
 * The transport for Node: each nameserver string picks UDP (TCP on truncation), TCP, DoT (RFC 7858) or
 * DoH (RFC 8484). TCP and DoT keep one connection per nameserver for every question (`StreamConnections`),
 * as DoH keeps its HTTP/2 session.
 * Every spec is parsed up front, so a bad one throws at construction, naming its index.
 */
export function nodeTransport(
  nameservers: readonly string[],
  options: {
    ca?: string | Buffer | readonly (string | Buffer)[]
    dohMethod?: DohMethod
    dohHttp2?: boolean
  } = {},
): NodeTransport {
  const specs = new Map<string, NameserverSpec>()
  nameservers.forEach((ns, i) => specs.set(ns, parseNameserver(ns, `nameservers[${i}]`)))
  const agents = dohAgents(options.ca, { http2: options.dohHttp2 !== false })
  const streams = new StreamConnections()
  return {
    transport(nameserver, question, signal) {
      const spec = specs.get(nameserver) ?? parseNameserver(nameserver)
      if (spec.kind === 'https') return dohQuery(spec.url, agents, question, signal, options.dohMethod)
      if (spec.kind === 'tls') {
        const tls = options.ca === undefined ? {} : { ca: options.ca as string }
        return streams.dot(spec.host, spec.port, question, signal, tls)
      }
      if (spec.kind === 'tcp') return streams.tcp(spec.host, spec.port, question, signal)
      return udpQuery(spec.host, spec.port, question, signal)
    },
    close: () => {
      agents.destroy()
      streams.close()
    },
  }
}
