import { InvalidArgumentError } from '@nines/core'
import { normalizeRequestHost } from './host.js'
import type { Route } from './route-schema.js'

/** Why no route serves a request; see `missResponse`. */
export type RouteMiss = 'unknown-host' | 'no-route'

export type RouteMatch<R extends RouteKey = Route> =
  { readonly route: R; readonly miss?: undefined } | { readonly miss: RouteMiss; readonly route?: undefined }

/** What matching reads of a route; the whole route comes back in the match. */
export type RouteKey = Pick<Route, 'host' | 'pathPrefix'>

export interface RouteTable<R extends RouteKey = Route> {
  /**
   * The route for a request's Host (port, trailing dot and case ignored) and path (without the
   * query). The most specific host pattern owns the host: exact, then the longest `*.` suffix, then
   * `*`; its longest path prefix that matches on a segment boundary wins. A host whose pattern has no
   * matching prefix is `no-route` (less specific patterns are not consulted, as in Envoy and nginx).
   */
  match(host: string, path: string): RouteMatch<R>
}

const SLASH = 47
const QUESTION = 63
const UNKNOWN_HOST = Object.freeze({ miss: 'unknown-host' as const })
const NO_ROUTE = Object.freeze({ miss: 'no-route' as const })

/** One host pattern's routes, longest prefix first, each with its match result made once. */
type HostRoutes<R extends RouteKey> = { readonly prefix: string; readonly result: RouteMatch<R> }[]

/**
 * Precompiles routes for per-request matching: a Map of exact hosts, a Map of wildcard suffixes
 * (`.nines.test`) looked up once per dot of the host, and the `*` routes; match allocates nothing
 * but the host's lowercase or port-less copy when it needs one and the suffix keys of wildcards.
 * Throws InvalidArgumentError on a repeated (host, pathPrefix), which `routesSchema` refuses first.
 */
export function compileRoutes<R extends RouteKey>(routes: readonly R[]): RouteTable<R> {
  const exact = new Map<string, HostRoutes<R>>()
  const suffixes = new Map<string, HostRoutes<R>>()
  let any: HostRoutes<R> | undefined
  routes.forEach((route, i) => {
    let list: HostRoutes<R> | undefined
    if (route.host === '*') list = any ??= []
    else {
      const [map, key] = route.host.startsWith('*.') ? [suffixes, route.host.slice(1)] : [exact, route.host]
      list = map.get(key)
      if (list === undefined) map.set(key, (list = []))
    }
    if (list.some((entry) => entry.prefix === route.pathPrefix)) {
      throw new InvalidArgumentError(
        `routes[${i}]: host ${route.host} with pathPrefix ${route.pathPrefix} is routed twice`,
      )
    }
    list.push({ prefix: route.pathPrefix, result: Object.freeze({ route }) })
  })
  for (const list of [...exact.values(), ...suffixes.values(), ...(any ? [any] : [])]) {
    list.sort((a, b) => b.prefix.length - a.prefix.length)
  }

  const hostRoutes = (host: string): HostRoutes<R> | undefined => {
    const found = exact.get(host)
    if (found !== undefined) return found
    if (suffixes.size > 0) {
      // Leftmost dot first gives the longest suffix; a wildcard never matches its own apex.
      for (let dot = host.indexOf('.', 1); dot !== -1; dot = host.indexOf('.', dot + 1)) {
        const list = suffixes.get(host.slice(dot))
        if (list !== undefined) return list
      }
    }
    return any
  }

  return {
    match(host, path) {
      const list = hostRoutes(normalizeRequestHost(host))
      if (list === undefined) return UNKNOWN_HOST
      for (const entry of list) {
        if (prefixMatches(entry.prefix, path)) return entry.result
      }
      return NO_ROUTE
    },
  }
}

/** `/` matches every path; `/api` matches `/api`, `/api/...` and `/api?...`, never `/apix`. */
function prefixMatches(prefix: string, path: string): boolean {
  if (prefix.length === 1) return true
  if (!path.startsWith(prefix)) return false
  if (path.length === prefix.length) return true
  const next = path.charCodeAt(prefix.length)
  return next === SLASH || next === QUESTION
}
