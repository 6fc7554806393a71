import type { ServerResponse } from 'node:http'
import type { Clock } from '@nines/core'
import { LRUCache } from 'lru-cache'
import { Fills, type Lead, type Wait } from './collapse.js'
import { Copy, sameVariant, type CachedCopy, type StoredEntry } from './entry.js'
import type { RouteCacheOptions } from './options.js'
import {
  cacheKey,
  directivesPresent,
  hostOf,
  noStore,
  refusesCopy,
  requestDirectives,
  type CacheRequest,
} from './request.js'
import { clockedPolicy, Tap, type PolicyClass, type ResponseTap, type TapContext } from './tap.js'
import { writeCopy, type WriteCopyOptions } from './write-copy.js'

export interface ResponseCacheOptions {
  /** `edge.cache.maxBytes`; 0 turns the cache off. */
  readonly maxBytes: number
  /** `edge.cache.maxEntryBytes`. */
  readonly maxEntryBytes: number
  readonly clock: Clock
}

/** What `lookup` found: at most one of the two is set. */
export interface CacheLookup {
  /** Usable as is, without asking the upstream. */
  readonly fresh: CachedCopy | undefined
  /** Matches the request but is not usable without the upstream; see `usableStale`. */
  readonly stale: CachedCopy | undefined
}

export interface CacheSnapshot {
  readonly entries: number
  readonly bytes: number
  readonly maxBytes: number
}

const none: CacheLookup = Object.freeze({ fresh: undefined, stale: undefined })

/** A background refresh not ended within this is taken as abandoned (its `done` was never called). */
export const refreshAbandonedMs = 60_000

/**
 * The edge's response cache, one per process: stored GET responses bounded in bytes (least recently used
 * out first), answering fresh hits and keeping stale copies for upstream failures, shed requests and
 * stale-while-revalidate. http-cache-semantics (shared-cache mode) decides storability, freshness and
 * `Age`; this class adds the edge's stricter rules (no `Set-Cookie`, no partial responses, Authorization
 * only where a route allows it) and the stale windows. One variant per key: the last stored.
 */
export class ResponseCache {
  readonly #lru: LRUCache<string, StoredEntry> | undefined
  readonly #maxBytes: number
  readonly #refreshing = new Map<string, { readonly at: number }>()
  readonly #fills: Fills
  readonly #ctx: TapContext

  constructor(options: ResponseCacheOptions) {
    const { maxBytes, maxEntryBytes, clock } = options
    this.#maxBytes = maxBytes
    this.#lru =
      maxBytes > 0
        ? new LRUCache<string, StoredEntry>({
            maxSize: maxBytes,
            maxEntrySize: Math.min(maxEntryBytes, maxBytes),
            sizeCalculation: (entry) => entry.size,
          })
        : undefined
    const lru = this.#lru
    const Policy: PolicyClass = clockedPolicy(clock)
    this.#ctx = {
      clock,
      Policy,
      maxEntryBytes: Math.min(maxEntryBytes, maxBytes),
      peek: (key) => lru?.peek(key),
      store: (entry) => lru?.set(entry.key, entry),
    }
    this.#fills = new Fills(clock, (key, since) => {
      const entry = lru?.peek(key)
      return entry !== undefined && entry.storedAt >= since && !entry.neverFresh
    })
  }

  /**
   * The stored copy for `req`, fresh or stale. Never answers a request that is not GET or HEAD, one on a
   * route with the cache off, or one with `Authorization` unless the route allows it. A request with
   * `Cache-Control: no-cache`, `no-store`, `max-age`/`min-fresh` it fails, or `Pragma: no-cache` never
   * gets `fresh` (http-cache-semantics refuses no-cache, Pragma, max-age and min-fresh; no-store is added
   * here). A copy no reason could use any more is dropped.
   */
  lookup(req: CacheRequest, route: RouteCacheOptions): CacheLookup {
    const lru = this.#lru
    if (lru === undefined || !route.enabled) return none
    if (req.method !== 'GET' && req.method !== 'HEAD') return none
    const headers = req.headers
    if (headers.authorization !== undefined && !route.allowAuthorization) return none
    const entry = lru.get(cacheKey(req))
    if (entry === undefined || !sameVariant(entry, headers)) return none
    const flags = requestDirectives(headers)
    const age = entry.policy.age()
    const copy = new Copy(entry, age, route, (flags & refusesCopy) !== 0)
    let fresh = false
    if (!entry.neverFresh && (flags & noStore) === 0) {
      if ((flags & directivesPresent) === 0) {
        // No request directives: the library's answer is exactly "age below max-age" (variant, URL and host
        // matched by key), so skip its evaluation and the header copies it makes.
        fresh = age < entry.maxAgeS
      } else {
        const host = hostOf(headers)
        const view = headers.host === host ? headers : { ...headers, host }
        fresh =
          entry.policy.satisfiesWithoutRevalidation({ method: 'GET', url: req.url ?? '/', headers: view }) &&
          // `max-stale` lets the library serve past freshness; not what the origin forbade (§4.2.4).
          !(entry.noStale && copy.staleForS > 0)
      }
    }
    if (fresh) return { fresh: copy, stale: undefined }
    if (copy.spent) {
      lru.delete(entry.key)
      return none
    }
    return { fresh: undefined, stale: copy }
  }

  /**
   * A tap for the upstream's response to `req`, or undefined when no storable response can come of it: not
   * GET, the route's cache off, the cache off, `Cache-Control: no-store` on the request, or `Authorization`
   * on a route that does not allow it. Cheap to refuse; one small object when not. A `refresh` (a
   * stale-while-revalidate request) always stores its answer.
   */
  writer(req: CacheRequest, route: RouteCacheOptions, refresh = false): ResponseTap | undefined {
    if (this.#lru === undefined || !route.enabled || req.method !== 'GET') return undefined
    const headers = req.headers
    if (headers.authorization !== undefined && !route.allowAuthorization) return undefined
    if ((requestDirectives(headers) & noStore) !== 0) return undefined
    return new Tap(this.#ctx, cacheKey(req), hostOf(headers), req.url ?? '/', headers, refresh)
  }

  /**
   * Collapsed forwarding for a request that missed: `lead` when it is the one to ask the upstream (watch
   * its tap, and release when its response is done), `wait` when another request for the key already is,
   * undefined when the key's responses cannot fill the cache (see `Fills`). Call only with a request that
   * got a `writer` and carries no cache directives of its own.
   */
  collapse(req: CacheRequest): Lead | Wait | undefined {
    return this.#fills.join(cacheKey(req))
  }

  /** Answers `res` with `copy`; see `writeCopy`. */
  writeCopy(res: ServerResponse, copy: CachedCopy, opts: WriteCopyOptions): void {
    writeCopy(res, copy, opts)
  }

  /**
   * Claims the background refresh of `req`'s key: a `done` callback to call when the refresh ended
   * (stored or failed), or undefined when one is already running, so at most one runs per key. A claim
   * never released is dropped after `refreshAbandonedMs`.
   */
  tryStartRefresh(req: CacheRequest): (() => void) | undefined {
    const key = cacheKey(req)
    const now = this.#ctx.clock.now()
    const running = this.#refreshing.get(key)
    if (running !== undefined && now - running.at < refreshAbandonedMs) return undefined
    const claim = { at: now }
    this.#refreshing.set(key, claim)
    return () => {
      if (this.#refreshing.get(key) === claim) this.#refreshing.delete(key)
    }
  }

  /** For metrics: stored entries, their counted bytes and the bound. */
  snapshot(): CacheSnapshot {
    return { entries: this.#lru?.size ?? 0, bytes: this.#lru?.calculatedSize ?? 0, maxBytes: this.#maxBytes }
  }

  /** Drops every stored copy (a configuration reload that changed routes, an operator's purge). */
  clear(): void {
    this.#lru?.clear()
  }
}
