// For tests beside the cache: requests and upstream responses as undici would hand them over. Not exported by the package.
import type { IncomingHttpHeaders } from 'node:http'
import type { CacheRequest } from './request.js'
import type { ResponseCache } from './response-cache.js'
import type { RouteCacheOptions } from './options.js'

export function request(url = '/a', headers: IncomingHttpHeaders = {}, method = 'GET'): CacheRequest {
  return { method, url, headers: { host: 'edge.test', ...headers } }
}

/** Raw header pairs as Buffers, repeated names as arrays. */
export function rawHeaders(headers: Record<string, string | readonly string[]>): Buffer[] {
  const out: Buffer[] = []
  for (const [name, value] of Object.entries(headers)) {
    for (const v of typeof value === 'string' ? [value] : value) out.push(Buffer.from(name), Buffer.from(v))
  }
  return out
}

/**
 * Feeds one upstream response through `cache.writer`: 'no-writer' when the request cannot store,
 * 'refused' when `head` said no, 'stored' otherwise (the body was sent in two chunks and ended).
 */
export function respond(
  cache: ResponseCache,
  req: CacheRequest,
  route: RouteCacheOptions,
  status: number,
  headers: Record<string, string | readonly string[]>,
  body = 'hello world',
): 'no-writer' | 'refused' | 'stored' {
  const tap = cache.writer(req, route)
  if (tap === undefined) return 'no-writer'
  if (!tap.head(status, rawHeaders(headers))) return 'refused'
  const bytes = Buffer.from(body)
  tap.data(bytes.subarray(0, 3))
  tap.data(bytes.subarray(3))
  tap.end()
  return 'stored'
}
