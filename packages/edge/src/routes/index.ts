export { compileCidrs, cidrSchema, parseCidr, type Cidr } from './cidr.js'
export {
  clientLimitsSchema,
  edgeInstanceSchema,
  edgeListenClaims,
  tlsSchema,
  type ClientLimits,
  type EdgeInstance,
  type EdgeInstanceInput,
  type TlsOptions,
} from './edge-schema.js'
export { hostPatternSchema, isHostName, normalizeRequestHost } from './host.js'
export { listenAddressSchema, parseListenAddress, type ListenAddress } from './listen-address.js'
export { missResponse, type MissResponse } from './miss.js'
export { checkRouteReferences, type RouteProblem } from './references.js'
export {
  fallbackSchema,
  pathPrefixSchema,
  requestClassSchema,
  routeNameSchema,
  routeSchema,
  routeTimeoutsSchema,
  routesSchema,
  type Fallback,
  type RequestClass,
  type Route,
  type RouteInput,
  type RouteTimeouts,
} from './route-schema.js'
export { compileRoutes, type RouteKey, type RouteMatch, type RouteMiss, type RouteTable } from './table.js'
