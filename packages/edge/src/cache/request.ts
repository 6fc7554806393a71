import type { IncomingHttpHeaders } from 'node:http'

/** What the cache reads of a client request: `req` itself (an `IncomingMessage`) fits. */
export interface CacheRequest {
  readonly method?: string | undefined
  /** Path and query as sent; part of the key as is. */
  readonly url?: string | undefined
  readonly headers: IncomingHttpHeaders
}

/** The request's host, lower-cased with its port kept; '' when it sent none (HTTP/1.0). */
export function hostOf(headers: IncomingHttpHeaders): string {
  const host = headers.host
  return host === undefined ? '' : host.toLowerCase()
}

/**
 * The key of a request's stored copy: only GET responses are stored and HEAD is answered from them, so
 * one key serves both. The URL is taken as sent: `/a?x=1` and `/a?x=2` are two keys.
 */
export function cacheKey(req: CacheRequest): string {
  return `GET ${hostOf(req.headers)}${req.url ?? '/'}`
}

/** A request header as one string: repeated ones (rare on requests; Node joins most) joined with `, `. */
export function headerValue(headers: IncomingHttpHeaders, lowerName: string): string | undefined {
  const value = headers[lowerName]
  return Array.isArray(value) ? value.join(', ') : value
}

/** The request carries `Cache-Control` or `Pragma`: the library must look at it before a copy counts as fresh. */
export const directivesPresent = 1
/** `Cache-Control: no-store`: nothing of this exchange is stored, and no copy answers it as fresh. */
export const noStore = 2
/**
 * `no-store`, `no-cache`, `max-age` or `min-fresh` (or `Pragma: no-cache`): the client refused an
 * unvalidated or too old copy, so a stale one is not served to it while a refresh runs.
 */
export const refusesCopy = 4

const refusing = /no-cache|no-store|max-age|min-fresh/i

/** The request's cache directives as flags (a number: no allocation on the hot path). */
export function requestDirectives(headers: IncomingHttpHeaders): number {
  const cc = headers['cache-control']
  const pragma = headers.pragma
  if (cc === undefined && pragma === undefined) return 0
  let flags = directivesPresent
  if (cc !== undefined) {
    if (refusing.test(cc)) flags |= refusesCopy
    if (/no-store/i.test(cc)) flags |= noStore
  }
  if (pragma !== undefined && /no-cache/i.test(pragma)) flags |= refusesCopy
  return flags
}
