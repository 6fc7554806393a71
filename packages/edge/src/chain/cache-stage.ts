import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { Clock } from '@nines/core'
import type { MiddlewareHandler } from 'hono'
import type { ResponseCache } from '../cache/response-cache.js'
import { writeCopy } from '../cache/write-copy.js'
import type { EdgeEnv } from './context.js'
import type { DegradeOptions } from './degrade.js'
import { refreshInBackground } from './refresh.js'

export interface CacheStageOptions extends DegradeOptions {
  readonly clock: Clock
  /** The instance's cache (`edge.cache`); undefined when it is off. Read per request: a reload may swap it. */
  readonly cache: () => ResponseCache | undefined
  /** Whether the peer's forwarding headers are believed, for a background refresh's request headers. */
  readonly trusted: () => (address: string) => boolean
}

/**
 * Before admission, so a fresh copy never waits in a queue nor counts against a pool's limit: a fresh
 * copy is served; a copy in its stale-while-revalidate window is served while one background request
 * refreshes it; any other stored copy is kept on the context for the degrade ladder, and a storable
 * response gets the cache's writer as its tap.
 */
export function cacheStage(options: CacheStageOptions): MiddlewareHandler<EdgeEnv> {
  return function cache(c, next) {
    const store = options.cache()
    const runtime = c.get('route')
    const settings = runtime.route.cache
    const req = c.env.incoming
    if (store === undefined || !settings.enabled || (req.method !== 'GET' && req.method !== 'HEAD'))
      return next()
    const found = store.lookup(req, settings)
    const copy = found.fresh ?? found.stale
    if (copy !== undefined && (found.fresh !== undefined || copy.usableStale('revalidate'))) {
      const fresh = found.fresh !== undefined
      if (!fresh) {
        const done = store.tryStartRefresh(req)
        if (done !== undefined)
          refreshInBackground(req, runtime, store, settings, done, c.get('requestId'), options)
      }
      writeCopy(c.env.outgoing, copy, {
        method: req.method,
        requestId: c.get('requestId'),
        via: options.via,
        state: fresh ? 'hit' : 'stale',
        reason: fresh ? undefined : 'revalidate',
        debug: options.debug(),
      })
      options.recorder.answered(c, {
        status: copy.status,
        cache: fresh ? 'hit' : 'stale',
        staleReason: fresh ? undefined : 'revalidate',
      })
      return Promise.resolve(RESPONSE_ALREADY_SENT)
    }
    c.set('stale', found.stale)
    c.set('tap', store.writer(req, settings))
    return next()
  }
}
