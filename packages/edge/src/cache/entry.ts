import type { IncomingHttpHeaders } from 'node:http'
import type CachePolicy from 'http-cache-semantics'
import type { RouteCacheOptions } from './options.js'
import { headerValue } from './request.js'

/** One stored response: the key's only variant (the last stored). */
export interface StoredEntry {
  readonly key: string
  /** http-cache-semantics' view of the exchange, on the cache's clock: `age()` grows with it. */
  readonly policy: CachePolicy
  readonly status: number
  /**
   * The upstream's headers as a flat `[name, value, …]` list, ready for `writeHead`: hop-by-hop ones, those
   * its `Connection` named, `Age`, `Warning` and `x-request-id` removed (each answer writes its own), and a
   * `content-length` added when the upstream sent the body chunked.
   */
  readonly headers: readonly string[]
  readonly body: Buffer
  /** Bytes counted against the bound: body, header characters and a fixed overhead. */
  readonly size: number
  /** The cache clock when the head arrived, in ms. */
  readonly storedAt: number
  /** `policy.maxAge()`, computed once: the freshness lifetime in seconds (0: only ever a stale copy). */
  readonly maxAgeS: number
  /** No request is ever answered with it as fresh (no freshness, or `must-revalidate`, see `writer`). */
  readonly neverFresh: boolean
  /**
   * The origin forbade serving it stale (RFC 9111 §4.2.4): `no-cache`, `must-revalidate`, and for a shared
   * cache `proxy-revalidate` and `s-maxage`.
   */
  readonly noStale: boolean
  /** The origin's `stale-if-error`, or undefined when it sent neither RFC 5861 extension. */
  readonly originStaleIfErrorS: number | undefined
  /** The origin's `stale-while-revalidate`, or undefined when it sent neither RFC 5861 extension. */
  readonly originStaleWhileRevalidateS: number | undefined
  /** The response's `Vary` names (lower-case), undefined without `Vary`. */
  readonly vary: readonly string[] | undefined
  /** The storing request's values of those headers. */
  readonly varyValues: readonly (string | undefined)[]
}

/**
 * Whether a request selects this stored variant (RFC 9111 §4.1): each header `Vary` names has the value
 * the storing request had, both absent counting as equal. The same comparison as http-cache-semantics'
 * (values compared as sent, no normalisation), which keeps it private; it is needed here for stale copies,
 * which the library's `satisfiesWithoutRevalidation` cannot tell from a different variant.
 */
export function sameVariant(entry: StoredEntry, headers: IncomingHttpHeaders): boolean {
  const vary = entry.vary
  if (vary === undefined) return true
  for (let i = 0; i < vary.length; i++) {
    if (headerValue(headers, vary[i]!) !== entry.varyValues[i]) return false
  }
  return true
}

/** Why a copy that is not fresh is wanted. */
export type StaleReason = 'error' | 'shed' | 'revalidate'

/** A stored response that matches a request, as `ResponseCache.lookup` found it. */
export interface CachedCopy {
  readonly status: number
  /** Its age in whole seconds at lookup (the `Age` it would be written with then). */
  readonly ageS: number
  /** Seconds past its freshness lifetime at lookup (fractional); 0 while fresh. */
  readonly staleForS: number
  /**
   * Whether it may be served for `why`. Past its freshness lifetime: for `error` and `shed` within the
   * origin's `stale-if-error`, or the route's `staleIfErrorS` when the origin sent neither RFC 5861
   * extension; for `revalidate` within `stale-while-revalidate` by the same rule; never when the origin
   * forbade stale (RFC 9111 §4.2.4). Not past it (a copy `lookup` could not call fresh because of the
   * request's directives, or a `must-revalidate` copy http-cache-semantics always revalidates): usable
   * for every reason. Never for `revalidate` to a request that refused copies (`no-cache`, `no-store`,
   * `max-age`, `min-fresh`, `Pragma: no-cache`).
   */
  usableStale(why: StaleReason): boolean
}

/** The `CachedCopy` the cache hands out; `writeCopy` takes its entry back. */
export class Copy implements CachedCopy {
  readonly entry: StoredEntry
  readonly ageS: number
  readonly staleForS: number
  readonly #past: boolean
  readonly #route: RouteCacheOptions
  readonly #requestRefusesCopy: boolean

  /** `age` in seconds; past freshness as the library's `stale()` has it: age ≥ max-age. */
  constructor(entry: StoredEntry, age: number, route: RouteCacheOptions, refuses: boolean) {
    this.entry = entry
    this.ageS = Math.floor(age)
    this.#past = age >= entry.maxAgeS
    this.staleForS = this.#past ? age - entry.maxAgeS : 0
    this.#route = route
    this.#requestRefusesCopy = refuses
  }

  /** Past every window this route and the origin give, or forbidden stale: no request can use it again. */
  get spent(): boolean {
    if (!this.#past) return false
    if (this.entry.noStale) return true
    return (
      this.staleForS >= staleWindowS(this.entry, this.#route, 'error') &&
      this.staleForS >= staleWindowS(this.entry, this.#route, 'revalidate')
    )
  }

  get status(): number {
    return this.entry.status
  }

  usableStale(why: StaleReason): boolean {
    if (why === 'revalidate' && this.#requestRefusesCopy) return false
    if (!this.#past) return true
    // RFC 9111 §4.2.4: "A cache MUST NOT generate a stale response if it is prohibited by an explicit
    // in-protocol directive (e.g., by a no-cache response directive, a must-revalidate response directive,
    // or an applicable s-maxage or proxy-revalidate response directive; see Section 5.2.2)." No route
    // setting overrides the origin here, not even to answer a shed request.
    if (this.entry.noStale) return false
    return this.staleForS < staleWindowS(this.entry, this.#route, why)
  }
}

/** How long past freshness `why` may use a copy: the origin's RFC 5861 value, else the route's. */
export function staleWindowS(entry: StoredEntry, route: RouteCacheOptions, why: StaleReason): number {
  return why === 'revalidate'
    ? (entry.originStaleWhileRevalidateS ?? route.staleWhileRevalidateS)
    : (entry.originStaleIfErrorS ?? route.staleIfErrorS)
}
