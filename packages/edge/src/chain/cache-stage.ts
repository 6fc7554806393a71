import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { Clock } from '@nines/core'
import type { Context, MiddlewareHandler, Next } from 'hono'
import { requestDirectives } from '../cache/request.js'
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
 * response gets the cache's writer as its tap. A miss while another request for the same URL is on its way
 * to the upstream waits for that one's copy (collapsed forwarding), holding no admission permit.
 */
export function cacheStage(options: CacheStageOptions): MiddlewareHandler<EdgeEnv> {
  const serve = (c: Context<EdgeEnv>, next: Next, collapse: boolean): Promise<Response | void> => {
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
    const tap = store.writer(req, settings)
    // A client's own directives (no-cache, max-age=0) would refuse the copy it waited for: never collapsed.
    if (tap !== undefined && collapse && settings.collapse && requestDirectives(req.headers) === 0) {
      const fill = store.collapse(req)
      if (fill?.lead === false) {
        return waitAtMost(fill.filled, runtime.route.timeouts.perTryMs, options.clock).then(() =>
          serve(c, next, false),
        )
      }
      if (fill !== undefined) {
        // However the request ends (stored, failed, shed, the client gone), the waiters are woken.
        c.env.outgoing.once('close', fill.release)
        c.set('tap', fill.watch(tap))
        return next()
      }
    }
    c.set('tap', tap)
    return next()
  }
  return function cache(c, next) {
    return serve(c, next, true)
  }
}

/** Settles when `promise` does or after `ms`, whichever is first. */
function waitAtMost(promise: Promise<void>, ms: number, clock: Clock): Promise<void> {
  return new Promise((resolve) => {
    const timer = clock.setTimeout(resolve, ms)
    void promise.then(() => {
      timer.cancel()
      resolve()
    })
  })
}
