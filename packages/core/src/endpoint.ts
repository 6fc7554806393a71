/** Where an endpoint or a client is. Answers prefer the client's locality and spill over. */
export interface Locality {
  readonly region?: string
  readonly zone?: string
}

/** Labels every endpoint may carry; `stack` names the software stack it is built on. */
export interface EndpointLabels extends Locality {
  readonly stack?: string
}

/** One addressable instance. */
export interface Endpoint {
  /** Stable identity inside its pool: the configured name, else `address:port`. */
  readonly id: string
  /** An IPv4 or IPv6 literal. */
  readonly address: string
  readonly port: number
  /** Relative share of traffic; 0 means "only when nothing else is left". */
  readonly weight: number
  /** Optional host name: the SRV target and the HTTP Host a probe sends. */
  readonly host?: string
  readonly labels: EndpointLabels
}

/** A named set of endpoints that serve the same thing (Envoy: cluster). */
export interface Pool {
  readonly name: string
  readonly endpoints: readonly Endpoint[]
}

/** `address:port`, with IPv6 addresses in brackets so the port stays unambiguous. */
export function endpointId(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`
}
