import type { IncomingMessage } from 'node:http'
import type { TLSSocket } from 'node:tls'
import type { Clock } from '@nines/core'
import type { Dispatcher } from 'undici'
import type { ResponseCache } from '../cache/response-cache.js'
import type { RouteCacheOptions } from '../cache/options.js'
import { upstreamRequestHeaders } from '../proxy/headers.js'
import type { RouteRuntime } from '../router/router.js'

/** A client's own conditions would get a 304, which refreshes nothing: the refresh asks for the whole copy. */
const conditional = new Set([
  'if-none-match',
  'if-modified-since',
  'if-match',
  'if-unmodified-since',
  'if-range',
])

/**
 * stale-while-revalidate (RFC 5861 §3): one GET to one endpoint of the route's pool, with no client
 * waiting, whose response goes only to the cache's writer. It holds no admission permit and is never
 * retried: the stale copy has already answered, and the next request will try again. `done` ends the
 * key's refresh however it ends.
 */
export function refreshInBackground(
  req: IncomingMessage,
  runtime: RouteRuntime,
  cache: ResponseCache,
  settings: RouteCacheOptions,
  done: () => void,
  requestId: string,
  options: {
    readonly clock: Clock
    readonly via: string
    readonly trusted: () => (address: string) => boolean
  },
): void {
  const candidate = runtime.balancer.pick()
  const upstream = candidate === undefined ? undefined : runtime.upstreams.get(candidate.endpoint.id)
  const tap = cache.writer(req, settings, true)
  if (candidate === undefined || upstream === undefined || tap === undefined) return done()
  const raw: string[] = []
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (!conditional.has(req.rawHeaders[i]!.toLowerCase()))
      raw.push(req.rawHeaders[i]!, req.rawHeaders[i + 1]!)
  }
  const peer = req.socket.remoteAddress
  const headers = upstreamRequestHeaders({
    rawHeaders: raw,
    peerAddress: peer,
    trusted: peer !== undefined && options.trusted()(peer),
    proto: (req.socket as TLSSocket).encrypted ? 'https' : 'http',
    requestId: `${requestId}-refresh`, // the client's request id, marked: its answer was the stale copy
    via: options.via,
  })
  let settled = false
  let abort: ((error?: Error) => void) | undefined
  const finish = (whole: boolean): void => {
    if (settled) return
    settled = true
    timer.cancel()
    candidate.outstanding--
    if (whole) tap.end()
    else tap.abort()
    done()
  }
  const timer = options.clock.setTimeout(() => {
    abort?.(new Error('refresh timed out'))
    finish(false)
  }, runtime.route.timeouts.perTryMs)
  candidate.outstanding++
  const handler = {
    onConnect: (a: (error?: Error) => void) => (settled ? a() : (abort = a)),
    onHeaders: (status: number, rawHeaders: Buffer[]) => {
      if (!tap.head(status, rawHeaders)) finish(false)
      return true
    },
    onData: (chunk: Buffer) => {
      if (!settled) tap.data(chunk)
      return true
    },
    onComplete: () => finish(true),
    onError: () => finish(false),
  }
  upstream.dispatch(
    { path: req.url ?? '/', method: 'GET', headers },
    handler as unknown as Dispatcher.DispatchHandler,
  )
}
