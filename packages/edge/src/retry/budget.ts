import type { Clock, Timer } from '@nines/core'
import { parseRetryBudgetOptions, type RetryBudgetOptions, type RetryBudgetOptionsInput } from './options.js'

interface Waiter {
  readonly grant: (granted: boolean) => void
  timer: Timer | undefined
}

/**
 * Envoy's retry budget, one per route: retries in flight stay within `percent` of the active requests, but
 * `minConcurrency` are always allowed. A retry holds its place from `tryAcquire` (or `acquire`) to
 * `release`, the backoff wait included (Envoy #30205 counts only attempts on the wire, so a burst in
 * backoff overshoots). Unlike Envoy's, a retry over the budget may wait up to `queueMs` for a place.
 */
export class RetryBudget {
  readonly options: RetryBudgetOptions
  #activeRequests = 0
  #activeRetries = 0
  #exhausted = 0
  readonly #waiters: Waiter[] = []

  constructor(options: RetryBudgetOptionsInput = {}) {
    this.options = parseRetryBudgetOptions(options)
  }

  /** Client requests in flight. */
  get activeRequests(): number {
    return this.#activeRequests
  }

  /** Retries holding the budget. */
  get activeRetries(): number {
    return this.#activeRetries
  }

  /** Retries refused since start (a counter for the budget-exhausted metric). */
  get exhausted(): number {
    return this.#exhausted
  }

  /** Retries allowed at once with the current number of active requests. */
  get limit(): number {
    return Math.max(
      this.options.minConcurrency,
      Math.floor((this.#activeRequests * this.options.percent) / 100),
    )
  }

  /** Call when a client request starts (before its first attempt). */
  requestStarted(): void {
    this.#activeRequests++
    this.#grant() // the limit may have grown
  }

  /** Call when a client request ends, however it ends. */
  requestFinished(): void {
    if (this.#activeRequests > 0) this.#activeRequests--
  }

  /** Takes a place for one retry; false (counted as exhausted) when the budget is spent. */
  tryAcquire(): boolean {
    if (this.#activeRetries >= this.limit) {
      this.#exhausted++
      return false
    }
    this.#activeRetries++
    return true
  }

  /**
   * A place for one retry, waiting up to min(`queueMs`, `maxWaitMs`) behind earlier waiters when the
   * budget is spent; resolves false (counted as exhausted) when none frees up in time.
   */
  acquire(clock: Clock, maxWaitMs: number): Promise<boolean> {
    if (this.#waiters.length === 0 && this.#activeRetries < this.limit) {
      this.#activeRetries++
      return Promise.resolve(true)
    }
    const waitMs = Math.min(this.options.queueMs, maxWaitMs)
    if (waitMs <= 0) {
      this.#exhausted++
      return Promise.resolve(false)
    }
    return new Promise((resolve) => {
      const waiter: Waiter = { grant: resolve, timer: undefined }
      waiter.timer = clock.setTimeout(() => {
        const i = this.#waiters.indexOf(waiter)
        if (i !== -1) this.#waiters.splice(i, 1)
        this.#exhausted++
        resolve(false)
      }, waitMs)
      this.#waiters.push(waiter)
    })
  }

  /** Gives back a place taken by `tryAcquire` or `acquire`, when that retry's attempt ends. */
  release(): void {
    if (this.#activeRetries > 0) this.#activeRetries--
    this.#grant()
  }

  /** Retries waiting for a place. */
  get waiting(): number {
    return this.#waiters.length
  }

  #grant(): void {
    while (this.#waiters.length > 0 && this.#activeRetries < this.limit) {
      const waiter = this.#waiters.shift()!
      waiter.timer?.cancel()
      this.#activeRetries++
      waiter.grant(true)
    }
  }
}
