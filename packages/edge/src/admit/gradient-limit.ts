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
  /** The time the request had from its arrival to its deadline (the route's `overallMs`); absent: none. */
  readonly budgetMs?: number
}

/** A window with a drop cuts the limit by this factor (multiplicative decrease, unsmoothed). */
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
/** No request this long over tolerance: the pool got slower, not its queue longer. */
const SLOWER_SPAN_MS = 500
/** ... among at least this many requests sent since the last cut. */
const SLOWER_SAMPLES = 3
/**
 * The share of the requests' time budget (arrival to deadline) the pool's RTT may take before the limit
 * shrinks, whatever the baseline allows: the rest is for the wait at the edge and the way back.
 */
const DEADLINE_SHARE = 0.5
/** The pool's throughput is measured over the windows of this span. */
const RATE_SPAN_MS = 1000

/**
 * The concurrency limit of one pool, in the Gradient2 family (Netflix concurrency-limits): compares the
 * window's RTT (the mean of its samples) with the pool's baseline RTT and shrinks the limit when the pool
 * answers slower than `tolerance` times its baseline. It grows by √limit per window while latency holds,
 * which leaves room for a small queue at the pool.
 *
 * The baseline is the lowest window RTT seen, not Gradient2's long-term average: under a standing
 * overload every window carries the pool's own queue, an average follows it up, and the limit drifts up
 * with it (the overload bench showed 10× the pool's slots in flight). The lowest window cannot drift up.
 * It rises when the pool itself got slower (a slower release, a heavier mix). A queue at the pool shrinks
 * with the limit; a slower pool's RTT does not. So once the limit has been cut (unsmoothed, below) since
 * the baseline was set, and not one of at least 3 requests sent after that cut, over the last 500 ms, came
 * within tolerance, the fastest of them is the new baseline; at `min` the window's RTT is, in any case.
 * Only requests sent after the cut count: the others queued behind the old limit (and a timeout's RTT is
 * cut at its deadline). Before, the baseline rose only at `min`: a pool 5× slower at 2/3 of its capacity
 * was taken for an overload down to 4, a third of what it could still serve, and critical requests timed
 * out in the edge's queue (e2e busy hour: 15–25 % served).
 *
 * Deadlines bound it too (`budgetMs`, the route's overall time): the RTT it aims at is at most half the
 * requests' budget (never below the baseline), and the √limit of room for a queue at the pool is granted
 * only within that. By Little's law the pool answers `throughput × that RTT` requests in that time; the
 * limit grows past this only by √ once per RTT, as its growth shows only when the requests it let in
 * finish (at 500 ms, five windows late: a slow pool's limit overshot to 2.5× its slots). A cut with the
 * RTT past the deadline's share, two windows in a row at half the gradient, or a drop is taken at once
 * and at most once per RTT and two windows: the samples of that time were sent under the old limit.
 *
 * There is no probe that lowers the limit to measure the unloaded RTT: Envoy's pins it at 3 and sheds good traffic every time (Envoy #46532, #18152),
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
  #windowInflightSum = 0
  #windowDropped = false
  #windowBudgetSum = 0
  #windowBudgets = 0
  #windowServed = 0
  #windowMinRtt = Infinity
  #windowSinceCut = 0
  /** When the limit was last cut (unsmoothed), and when the baseline last moved. */
  #lastCutAt = -Infinity
  #baselineAt = -Infinity
  /** No deadline cut before this time: the last one has not shown its effect yet. */
  #cutUntil = 0
  /** No growth beyond what the deadline allows before this time. */
  #growUntil = 0
  /** The last window's gradient was at its minimum. */
  #steep = false
  /** Answers (not drops) of the windows of the last `RATE_SPAN_MS`: the pool's recent throughput. */
  readonly #recent: {
    start: number
    end: number
    served: number
    samples: number
    minRtt: number
  }[] = []

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

  /**
   * The RTT a request admitted now should expect: the baseline, which the limit keeps the pool near (the
   * last window's mean, queue and noise included, shed critical requests that would have made it).
   */
  get expectedRttMs(): number {
    return this.#baseline
  }

  update(sample: LimitSample): void {
    const now = this.#clock.now()
    if (this.#windowStart === undefined) this.#windowStart = now
    else if (now - this.#windowStart >= this.#options.windowMs && this.#windowSamples > 0) {
      this.#closeWindow(this.#windowStart, now)
      this.#windowStart = now
    }
    this.#windowRttSum += sample.rttMs
    // Only requests sent since the last cut tell how fast the pool is: the others queued behind a limit
    // that was too high.
    if (now - sample.rttMs >= this.#lastCutAt) {
      this.#windowMinRtt = Math.min(this.#windowMinRtt, sample.rttMs)
      this.#windowSinceCut++
    }
    this.#windowSamples++
    this.#windowInflightSum += sample.inflight
    if (sample.dropped) this.#windowDropped = true
    else this.#windowServed++
    if (sample.budgetMs !== undefined && Number.isFinite(sample.budgetMs)) {
      this.#windowBudgetSum += sample.budgetMs
      this.#windowBudgets++
    }
  }

  /** A reload: the estimate is kept, clamped to the new bounds. */
  setOptions(options: AdmissionLimitOptions): void {
    this.#options = options
    this.#set(this.#estimate)
  }

  /** Keeps this window among the recent ones; returns answers per ms over them, this one included. */
  #throughput(start: number, now: number): number {
    const recent = this.#recent
    recent.push({
      start,
      end: now,
      served: this.#windowServed,
      samples: this.#windowSinceCut,
      minRtt: this.#windowMinRtt,
    })
    while (recent.length > 1 && recent[0]!.end <= now - RATE_SPAN_MS) recent.shift()
    let served = 0
    for (const w of recent) served += w.served
    return served / Math.max(1, now - recent[0]!.start)
  }

  /**
   * The fastest request sent since the last cut among the windows of the last `SLOWER_SPAN_MS`, if there
   * was a cut since the baseline moved and they hold `SLOWER_SAMPLES`; else 0.
   */
  #recentFastest(now: number): number {
    const recent = this.#recent
    // Only after a cut since the baseline was set: a queue at the pool shrinks with the limit, so the
    // requests sent since then would be back within tolerance; a slower pool's are not.
    if (this.#lastCutAt <= this.#baselineAt) return 0
    let fastest = Infinity
    let samples = 0
    for (const w of recent) {
      if (w.end <= now - SLOWER_SPAN_MS || w.start < this.#lastCutAt) continue
      fastest = Math.min(fastest, w.minRtt)
      samples += w.samples
    }
    return samples >= SLOWER_SAMPLES ? fastest : 0
  }

  #closeWindow(start: number, now: number): void {
    const shortRtt = this.#windowRttSum / this.#windowSamples
    const { tolerance, smoothing, min } = this.#options
    const limit = this.#estimate
    const used = this.#windowInflightSum / this.#windowSamples >= limit / 2
    const slack = SLACK_MS + 2 * this.#selfDelayMs()
    const dropped = this.#windowDropped
    const throughput = this.#throughput(start, now)
    const before = this.#baseline
    if (this.#baseline === 0 || (this.#windowSamples >= MIN_BASELINE_SAMPLES && shortRtt < this.#baseline))
      this.#baseline = shortRtt
    else if (used && shortRtt > tolerance * this.#baseline + slack) {
      // The pool itself got slower when not one request of the recent windows came within tolerance.
      const fastest = this.#recentFastest(now)
      if (fastest > tolerance * this.#baseline + slack) this.#baseline = fastest
      else if (Math.floor(limit) <= min) this.#baseline = shortRtt
    }
    if (this.#baseline !== before) this.#baselineAt = now
    if (dropped) {
      // Once per RTT, like every cut: the timeouts of the next RTT were sent under the old limit.
      if (now >= this.#cutUntil) {
        this.#set(limit * DROP_FACTOR)
        this.#cutUntil = now + shortRtt + 2 * this.#options.windowMs
        this.#lastCutAt = now
      }
    } else if (used) {
      // Below half the limit in flight (on average over the window) the pool is app-limited: its latency
      // says nothing about a higher limit, and a limit nobody uses must not grow (it would let a burst
      // through unchecked, and a burst of it into a pool that just got slower times out).
      const budget = this.#windowBudgets > 0 ? this.#windowBudgetSum / this.#windowBudgets : Infinity
      // The RTT the deadline allows: half the requests' time, but never below the pool's own RTT.
      const deadlineRtt = Math.max(this.#baseline + slack, DEADLINE_SHARE * budget)
      const target = Math.min(tolerance * this.#baseline + slack, deadlineRtt)
      const gradient = shortRtt > 0 ? Math.max(MIN_GRADIENT, Math.min(1, target / shortRtt)) : 1
      const late = shortRtt > deadlineRtt
      // The √limit of room for a queue at the pool only while the RTT is within what the deadline allows.
      let next = limit * gradient + (late ? 0 : Math.sqrt(limit))
      // Little's law: the pool completes `throughput × deadlineRtt` requests in the RTT the deadline
      // allows; more in flight would wait past it. The limit grows beyond that only by √ once per RTT,
      // and is cut to it once the RTT is past it. Without this bound a slow pool's limit overshot to 2.5×
      // its slots: growth is judged an RTT late, when the requests it let in finish (5 windows at 500 ms).
      const served = deadlineRtt === Infinity ? Infinity : throughput * deadlineRtt
      if (next > served && next > limit) {
        // Beyond it by √, once per RTT: that growth shows only when the requests it lets in finish.
        const beyond = now >= this.#growUntil ? Math.sqrt(served) : 0
        next = Math.max(limit, Math.min(next, served + beyond))
        if (next > served) this.#growUntil = now + shortRtt
      }
      // Twice in a row at least twice the target RTT is no outlier either.
      const steep = gradient === MIN_GRADIENT && this.#steep
      this.#steep = gradient === MIN_GRADIENT
      if (next >= limit) this.#set(next)
      else if (late || steep) {
        // Past what the deadline allows, requests time out meanwhile: the cut is not smoothed, and the
        // next waits an RTT, until the requests admitted under this limit have told their latency.
        if (now >= this.#cutUntil) {
          this.#set(next)
          this.#cutUntil = now + shortRtt + 2 * this.#options.windowMs
          this.#lastCutAt = now
        }
      } else this.#set(limit * (1 - smoothing) + next * smoothing) // one slow window is not a collapse
    }
    this.#windowRttSum = 0
    this.#windowSamples = 0
    this.#windowInflightSum = 0
    this.#windowDropped = false
    this.#windowBudgetSum = 0
    this.#windowBudgets = 0
    this.#windowServed = 0
    this.#windowMinRtt = Infinity
    this.#windowSinceCut = 0
  }

  #set(estimate: number): void {
    const before = this.limit
    this.#estimate = Math.max(this.#options.min, Math.min(this.#options.max, estimate))
    if (this.limit !== before) this.#onChange?.(this.limit)
  }
}
