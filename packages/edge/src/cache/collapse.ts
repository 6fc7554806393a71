import type { Clock } from '@nines/core'
import { LRUCache } from 'lru-cache'
import type { ResponseTap } from './tap.js'

/**
 * How long a key whose response could not fill the cache (`no-store`, `private`, no freshness, too large)
 * is not collapsed: its requests go to the upstream side by side instead of queueing behind one that
 * cannot answer them (Varnish's hit-for-miss).
 */
export const passMs = 60_000

/** Keys remembered as not collapsing; the oldest are forgotten first (a URL per query string adds up). */
const passKeys = 10_000

/** The request that fills a key: its tap is watched, and `release` (idempotent) wakes the waiters. */
export interface Lead {
  readonly lead: true
  watch(tap: ResponseTap): ResponseTap
  release(): void
}

/**
 * How a fill ended: `filled` (a copy that can be served fresh was stored), `pass` (the answer could not be
 * stored), `failed` (a 5xx, a reset, or no answer at all: shed, no endpoint, the client gone).
 */
export type FillOutcome = 'filled' | 'pass' | 'failed'

/** Another request fills the key: `filled` settles when it ended, with how. */
export interface Wait {
  readonly lead: false
  readonly filled: Promise<FillOutcome>
}

/**
 * Collapsed forwarding, nginx's `proxy_cache_lock`: while one request for a key is on its way to the
 * upstream, the others for the same key wait for its response to be stored instead of each asking the
 * upstream (a stampede on a page that just expired, in the busy hour, on a single CMS). A response that
 * fails (5xx, reset, shed, no endpoint) wakes the waiters to ask on their own; one that can never fill the
 * cache also marks its key as passing for `passMs`.
 */
export class Fills {
  readonly #filling = new Map<string, Leader>()
  readonly #passUntil = new LRUCache<string, number>({ max: passKeys })

  /** `filled(key, since)`: whether a copy that can be served fresh was stored for `key` at or after `since`. */
  readonly #clock: Clock
  readonly #filled: (key: string, since: number) => boolean

  constructor(clock: Clock, filled: (key: string, since: number) => boolean) {
    this.#clock = clock
    this.#filled = filled
  }

  /** Leads or waits for `key`; undefined when the key passes (its requests are not collapsed). */
  join(key: string): Lead | Wait | undefined {
    const leader = this.#filling.get(key)
    if (leader !== undefined) return leader.waiting
    const until = this.#passUntil.get(key)
    if (until !== undefined) {
      if (until > this.#clock.now()) return undefined
      this.#passUntil.delete(key)
    }
    const lead = new Leader(this, key, this.#clock.now())
    this.#filling.set(key, lead)
    return lead
  }

  /** Ends `leader`'s fill and says how: stored, passing (remembered for `passMs`) or failed. */
  end(leader: Leader, answered: boolean): FillOutcome {
    if (this.#filling.get(leader.key) === leader) this.#filling.delete(leader.key)
    const outcome = this.#filled(leader.key, leader.since) ? 'filled' : answered ? 'pass' : 'failed'
    if (outcome === 'pass') this.#passUntil.set(leader.key, this.#clock.now() + passMs)
    return outcome
  }
}

class Leader implements Lead {
  readonly lead = true
  readonly waiting: Wait
  #wake!: (outcome: FillOutcome) => void
  #ended = false
  /** A response head arrived below 500: what it stored (or not) says whether the key can fill. */
  #answered = false

  constructor(
    readonly fills: Fills,
    readonly key: string,
    readonly since: number,
  ) {
    this.waiting = { lead: false, filled: new Promise<FillOutcome>((resolve) => (this.#wake = resolve)) }
  }

  watch(tap: ResponseTap): ResponseTap {
    return {
      head: (status, rawHeaders) => {
        this.#answered = status < 500
        const kept = tap.head(status, rawHeaders)
        if (!kept) this.release()
        return kept
      },
      data: (chunk) => tap.data(chunk),
      end: () => {
        tap.end()
        this.release()
      },
      abort: () => {
        this.#answered = false
        tap.abort()
        this.release()
      },
    }
  }

  release = (): void => {
    if (this.#ended) return
    this.#ended = true
    this.#wake(this.fills.end(this, this.#answered))
  }
}
