export {
  LATENCY_BOUNDS_SEC,
  QTYPE_BUCKETS,
  QueryCounters,
  RCODE_NAMES,
  type QtypeBucket,
  type QueryCountersSnapshot,
  type RcodeName,
} from './counters.js'
export {
  compileIdentity,
  identitySchema,
  type Identity,
  type IdentityOptions,
  type IdentityOptionsInput,
} from './identity.js'
export { createQueryHandler, type QueryHandlerOptions, type QuerySample } from './handler.js'
export {
  formatListenAddress,
  listenAddressSchema,
  parseListenAddress,
  type ListenAddress,
} from './listen-address.js'
export {
  ResponseRateLimiter,
  rrlSchema,
  slipResponse,
  type RrlConfig,
  type RrlDecision,
  type RrlOptions,
} from './rrl.js'
export {
  dnsTlsSchema,
  dohSchema,
  dotSchema,
  proxyCidrSchema,
  type DnsTlsOptions,
  type DohOptions,
  type DohOptionsInput,
  type DotOptions,
} from './doh-schema.js'
export { MAX_CONCURRENT_STREAMS } from './doh/listen.js'
export { MAX_DOH_BODY, cacheControl } from './doh/request.js'
export { clientAddress, compileTrustedProxies } from './doh/client-address.js'
export {
  dnsListenClaims,
  serverOptionsSchema,
  tcpOptionsSchema,
  type ServerOptions,
  type ServerOptionsInput,
} from './schema.js'
export {
  DnsServer,
  type BoundAddress,
  type BoundListeners,
  type BoundStream,
  type DnsServerOptions,
} from './server.js'
export { SOCKET_COUNTER_NAMES, SocketCounters, type SocketCountersSnapshot } from './socket-counters.js'
export { DEFAULT_TCP_OPTIONS, type TcpOptions } from './tcp.js'
export type { QueryClient, QueryHandler, Resolver, Transport } from './types.js'
