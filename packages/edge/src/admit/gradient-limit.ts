import type { Clock } from '@nines/core'
import type { AdmissionLimitOptions } from './options.js'

/** What one finished request tells the limit. */
export interface LimitSample {
  /** Its round-trip time through the pool. */
  readonly rttMs: number
  /** Requests in flight in the pool when it finished, itself included. */
  readonly inflight: number
  /** It failed by timeout or overload: the pool is past its limit whatever the latency says. */
  readonly dropped: boolean
}

/** The long-term RTT averages about this many samples (Gradient2's long window). */
const LONG_WINDOW = 600
/** Samples averaged plainly before the long-term average switches to exponential. */
const WARMUP = 10
/** One window with a drop cuts the limit by this factor (multiplicative decrease, unsmoothed). */
const DROP_FACTOR = 0.9
/** The gradient never halves the limit at once: one slow window is often an outlier. */
const MIN_GRADIENT = 0.5

/**
 * The concurrency limit of one pool, in the Gradient2 family (Netflix concurrency-limits): compares the
 * short-term RTT (the mean of one window) with the long-term RTT (an average of ~600 samples) and shrinks
 * the limit when the pool answers slower than `tolerance` times its usual. It grows by √limit per window
 * while latency holds, which leaves room for a small queue at the pool.
 *
 * The limit is recomputed once per `windowMs` of sample time, never per request and never by a timer:
 * an idle pool keeps its limit. There is deliberately no minRTT probe that pins concurrency low to measure
 * the unloaded RTT (Envoy's adaptive concurrency filter does, and sheds good traffic every probe: Envoy
 * #46532, #18152); the long-term average is the baseline instead, and it follows a pool that got slower
 * for good.
 */
export class GradientLimit {
  #options: AdmissionLimitOptions
  readonly #clock: Clock
  readonly #onChange: ((limit: number) => void) | undefined
  /** Kept as a float: growth by a fraction of √limit per window would be lost to rounding. */
  #estimate: number
  #longRtt = 0
  #longSamples = 0
  #windowStart: number | undefined
  #windowRttSum = 0
  #windowSamples = 0
  #windowMaxInflight = 0
  #windowDropped = false

  /** `onChange` is called with the new integer limit, only when that changes. */
  constructor(options: AdmissionLimitOptions, clock: Clock, onChange?: (limit: number) => void) {
    this.#options = options
    this.#clock = clock
    this.#onChange = onChange
    this.#estimate = options.initial
  }

  /** Requests admitted at once: the integer part of the estimate. */
  get limit(): number {
    return Math.floor(this.#estimate)
  }

  /** The estimate behind `limit`, for metrics and tests. */
  get estimate(): number {
    return this.#estimate
  }

  /** The long-term RTT, the baseline the windows are compared with (0 before the first sample). */
  get longRttMs(): number {
    return this.#longRtt
  }

  update(sample: LimitSample): void {
    const now = this.#clock.now()
    if (this.#windowStart === undefined) this.#windowStart = now
    else if (now - this.#windowStart >= this.#options.windowMs && this.#windowSamples > 0) {
      this.#closeWindow()
      this.#windowStart = now
    }
    this.#windowRttSum += sample.rttMs
    this.#windowSamples++
    this.#windowMaxInflight = Math.max(this.#windowMaxInflight, sample.inflight)
    if (sample.dropped) this.#windowDropped = true
    this.#addLong(sample.rttMs)
  }

  /** A reload: the estimate is kept, clamped to the new bounds. */
  setOptions(options: AdmissionLimitOptions): void {
    this.#options = options
    this.#set(this.#estimate)
  }

  #addLong(rttMs: number): void {
    this.#longSamples++
    if (this.#longSamples <= WARMUP) this.#longRtt += (rttMs - this.#longRtt) / this.#longSamples
    else this.#longRtt += ((rttMs - this.#longRtt) * 2) / (LONG_WINDOW + 1)
  }

  #closeWindow(): void {
    const shortRtt = this.#windowRttSum / this.#windowSamples
    const { tolerance, smoothing } = this.#options
    const limit = this.#estimate
    // After a long stretch of high latency the average lags far behind a pool that recovered; pull it
    // down faster than the average would, so the gradient is 1 again and the limit grows back soon.
    if (shortRtt > 0 && this.#longRtt / shortRtt > 2) this.#longRtt *= 0.9
    if (this.#windowDropped) this.#set(limit * DROP_FACTOR)
    else if (this.#windowMaxInflight >= limit / 2) {
      // Below half the limit the pool is app-limited: its latency says nothing about a higher limit, and a
      // limit nobody uses must not grow (it would let a burst through unchecked).
      const gradient =
        shortRtt > 0 ? Math.max(MIN_GRADIENT, Math.min(1, (tolerance * this.#longRtt) / shortRtt)) : 1
      const target = limit * gradient + Math.sqrt(limit)
      this.#set(limit * (1 - smoothing) + target * smoothing)
    }
    this.#windowRttSum = 0
    this.#windowSamples = 0
    this.#windowMaxInflight = 0
    this.#windowDropped = false
  }

  #set(estimate: number): void {
    const before = this.limit
    this.#estimate = Math.max(this.#options.min, Math.min(this.#options.max, estimate))
    if (this.limit !== before) this.#onChange?.(this.limit)
  }
}
