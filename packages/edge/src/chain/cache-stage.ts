import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { Clock } from '@nines/core'
import type { Context, MiddlewareHandler, Next } from 'hono'
import type { FillOutcome } from '../cache/collapse.js'
import type { CachedCopy, StaleReason } from '../cache/entry.js'
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
  /** Answers from `copy`: fresh (`hit`) without a reason, else stale for `reason`. */
  const answer = (c: Context<EdgeEnv>, copy: CachedCopy, reason?: StaleReason) => {
    const state = reason === undefined ? 'hit' : 'stale'
    writeCopy(c.env.outgoing, copy, {
      method: c.env.incoming.method ?? 'GET',
      requestId: c.get('requestId'),
      via: options.via,
      state,
      reason,
      debug: options.debug(),
    })
    options.recorder.answered(c, { status: copy.status, cache: state, staleReason: reason })
    return Promise.resolve(RESPONSE_ALREADY_SENT)
  }
  /** `waited`: how the fill this request waited for ended (undefined: it did not wait). */
  const serve = (
    c: Context<EdgeEnv>,
    next: Next,
    waited?: FillOutcome | 'timeout',
  ): Promise<Response | void> => {
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
      return answer(c, copy, fresh ? undefined : 'revalidate')
    }
    // The request it waited for failed or is still stuck: the upstream is in trouble, so a copy that may stand
    // in for an error does so now rather than send one more request to it (nginx's use_stale updating).
    if (
      found.stale !== undefined &&
      (waited === 'failed' || waited === 'timeout') &&
      found.stale.usableStale('error')
    )
      return answer(c, found.stale, 'error')
    c.set('stale', found.stale)
    const tap = store.writer(req, settings)
    // A client's own directives (no-cache, max-age=0) would refuse the copy it waited for: never collapsed.
    if (
      tap !== undefined &&
      waited === undefined &&
      settings.collapse &&
      requestDirectives(req.headers) === 0
    ) {
      const fill = store.collapse(req)
      if (fill?.lead === false) {
        return waitAtMost(fill.filled, runtime.route.timeouts.perTryMs, options.clock).then((outcome) =>
          serve(c, next, outcome),
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
    return serve(c, next)
  }
}

/** How `fill` ended, or `timeout` when it had not after `ms`. */
function waitAtMost(fill: Promise<FillOutcome>, ms: number, clock: Clock): Promise<FillOutcome | 'timeout'> {
  return new Promise((resolve) => {
    const timer = clock.setTimeout(() => resolve('timeout'), ms)
    void fill.then((outcome) => {
      timer.cancel()
      resolve(outcome)
    })
  })
}
