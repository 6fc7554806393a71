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

/** One window with a drop cuts the limit by this factor (multiplicative decrease, unsmoothed). */
const DROP_FACTOR = 0.9
/** The gradient never halves the limit at once: one slow window is often an outlier. */
const MIN_GRADIENT = 0.5
/**
 * Latency the limit always tolerates on top of `tolerance × baseline`. A pool that answers in 0.3 ms
 * would otherwise count 1 ms of the router's own event-loop delay as a threefold slowdown and shrink
 * its limit for nothing; for a pool answering in tens of ms it changes little.
 */
const SLACK_MS = 2
/** A window with fewer samples than this says too little to lower the baseline. */
const MIN_BASELINE_SAMPLES = 5

/**
 * The concurrency limit of one pool, in the Gradient2 family (Netflix concurrency-limits): compares the
 * window's RTT (the mean of its samples) with the pool's baseline RTT and shrinks the limit when the pool
 * answers slower than `tolerance` times its baseline. It grows by √limit per window while latency holds,
 * which leaves room for a small queue at the pool.
 *
 * The baseline is the lowest window RTT seen, not Gradient2's long-term average: under a standing
 * overload every window carries the pool's own queue, an average follows it up, and the limit drifts up
 * with it (the overload bench showed 10× the pool's slots in flight). The lowest window cannot drift up.
 * It rises only when the limit is at `min` and the pool is still slower than `tolerance` allows: the
 * router then sends as little as it ever will, so the slowness is the pool's own (a slower release, a
 * heavier mix), and that latency becomes the baseline. There is no probe that lowers the limit to
 * measure the unloaded RTT: Envoy's pins it at 3 and sheds good traffic every time (Envoy #46532, #18152),
 * and a halving probe tried here shed critical requests at 3× capacity. The price: a router started in
 * the middle of an overload takes its first window's RTT, queue included, as the baseline until load
 * falls below capacity once.
 *
 * The limit is recomputed once per `windowMs` of sample time, never per request and never by a timer:
 * an idle pool keeps its limit.
 */
export class GradientLimit {
  #options: AdmissionLimitOptions
  readonly #clock: Clock
  readonly #onChange: ((limit: number) => void) | undefined
  /** Kept as a float: growth by a fraction of √limit per window would be lost to rounding. */
  #estimate: number
  #baseline = 0
  readonly #selfDelayMs: () => number
  #windowStart: number | undefined
  #windowRttSum = 0
  #windowSamples = 0
  #windowMaxInflight = 0
  #windowDropped = false

  /**
   * `onChange` is called with the new integer limit, only when that changes. `selfDelayMs`: how late the
   * router's own event loop runs (`LoopDelay`); twice that is tolerated on top, as it is in every sample.
   */
  constructor(
    options: AdmissionLimitOptions,
    clock: Clock,
    onChange?: (limit: number) => void,
    selfDelayMs: () => number = () => 0,
  ) {
    this.#selfDelayMs = selfDelayMs
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

  /** The baseline RTT the windows are compared with (0 before the first window). */
  get baselineMs(): number {
    return this.#baseline
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
  }

  /** A reload: the estimate is kept, clamped to the new bounds. */
  setOptions(options: AdmissionLimitOptions): void {
    this.#options = options
    this.#set(this.#estimate)
  }

  #closeWindow(): void {
    const shortRtt = this.#windowRttSum / this.#windowSamples
    const { tolerance, smoothing, min } = this.#options
    const limit = this.#estimate
    const used = this.#windowMaxInflight >= limit / 2
    const slack = SLACK_MS + 2 * this.#selfDelayMs()
    if (this.#baseline === 0 || (this.#windowSamples >= MIN_BASELINE_SAMPLES && shortRtt < this.#baseline))
      this.#baseline = shortRtt
    else if (used && Math.floor(limit) <= min && shortRtt > tolerance * this.#baseline)
      this.#baseline = shortRtt
    if (this.#windowDropped) this.#set(limit * DROP_FACTOR)
    else if (used) {
      // Below half the limit the pool is app-limited: its latency says nothing about a higher limit, and a
      // limit nobody uses must not grow (it would let a burst through unchecked).
      const gradient =
        shortRtt > 0
          ? Math.max(MIN_GRADIENT, Math.min(1, (tolerance * this.#baseline + slack) / shortRtt))
          : 1
      const target = limit * gradient + Math.sqrt(limit)
      // Growth is not smoothed: while latency holds, a limit below the demand (a cold start at `initial`
      // with 64 clients) should reach it in a second, not in five. Shrinking is, so one slow window is not
      // a collapse.
      this.#set(target >= limit ? target : limit * (1 - smoothing) + target * smoothing)
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
