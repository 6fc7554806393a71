import type { Transport } from '../types.js'
import { dohAgents, dohQuery } from './doh.js'
import { parseNameserver, type NameserverSpec } from './spec.js'
import { tcpQuery } from './tcp.js'
import { udpQuery } from './udp.js'

export interface NodeTransport {
  readonly transport: Transport
  close(): void
}

/**
 * The transport for Node: each nameserver string picks UDP (TCP on truncation), TCP or DoH (RFC 8484).
 * Every spec is parsed up front, so a bad one throws at construction, naming its index.
 */
export function nodeTransport(
  nameservers: readonly string[],
  options: { ca?: string | Buffer | readonly (string | Buffer)[] } = {},
): NodeTransport {
  const specs = new Map<string, NameserverSpec>()
  nameservers.forEach((ns, i) => specs.set(ns, parseNameserver(ns, `nameservers[${i}]`)))
  const agents = dohAgents(options.ca)
  return {
    transport(nameserver, question, signal) {
      const spec = specs.get(nameserver) ?? parseNameserver(nameserver)
      if (spec.kind === 'https') return dohQuery(spec.url, agents, question, signal)
      return (spec.kind === 'tcp' ? tcpQuery : udpQuery)(spec.host, spec.port, question, signal)
    },
    close: () => agents.destroy(),
  }
}
