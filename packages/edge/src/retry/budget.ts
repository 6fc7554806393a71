import { parseRetryBudgetOptions, type RetryBudgetOptions, type RetryBudgetOptionsInput } from './options.js'

/**
 * Envoy's retry budget, one per pool: retries in flight stay within `percent` of the active requests, but
 * `minConcurrency` are always allowed. A retry holds its place from `tryAcquire` to `release`, the backoff
 * wait included (Envoy #30205 counts only attempts on the wire, so a burst in backoff overshoots).
 */
export class RetryBudget {
  readonly options: RetryBudgetOptions
  #activeRequests = 0
  #activeRetries = 0
  #exhausted = 0

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

  /** Gives back a place taken by `tryAcquire`, when that retry's attempt ends. */
  release(): void {
    if (this.#activeRetries > 0) this.#activeRetries--
  }
}
