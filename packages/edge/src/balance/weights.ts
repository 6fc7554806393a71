import type { Clock } from '@nines/core'
import { slowStartFactor, type SlowStart } from './slow-start.js'
import type { Candidate } from './types.js'

/**
 * Effective weights (configured weight × slow-start factor) and their running sums, built once per
 * membership or health change. While an endpoint ramps, the table is refreshed at most once per
 * `windowMs / 100`, so a pick stays a binary search without allocation.
 */
export class WeightTable {
  readonly candidates: readonly Candidate[]
  readonly weights: Float64Array
  readonly cumulative: Float64Array
  total = 0
  readonly #clock: Clock
  readonly #slowStart: SlowStart
  #refreshAt = Infinity

  constructor(candidates: readonly Candidate[], slowStart: SlowStart, clock: Clock) {
    this.candidates = candidates
    this.weights = new Float64Array(candidates.length)
    this.cumulative = new Float64Array(candidates.length)
    this.#clock = clock
    this.#slowStart = slowStart
    this.#compute(clock.now())
  }

  /** Call before reading the table on the hot path. */
  refresh(): void {
    const now = this.#clock.now()
    if (now >= this.#refreshAt) this.#compute(now)
  }

  /** Index of the candidate whose cumulative range holds `r` in [0, total). O(log n). */
  indexAt(r: number): number {
    let lo = 0
    let hi = this.cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.cumulative[mid] as number) > r) hi = mid
      else lo = mid + 1
    }
    return lo
  }

  #compute(now: number): void {
    let sum = 0
    let rampEnd = Infinity
    // Weight 0 means "only when nothing else is left": if that is all there is, they share equally.
    const unit = this.candidates.every((c) => c.endpoint.weight <= 0)
    for (let i = 0; i < this.candidates.length; i++) {
      const c = this.candidates[i] as Candidate
      const factor = slowStartFactor(c.upSinceMs, now, this.#slowStart)
      if (factor < 1 && c.upSinceMs !== undefined) {
        rampEnd = Math.min(rampEnd, c.upSinceMs + this.#slowStart.windowMs)
      }
      const w = (unit ? 1 : Math.max(0, c.endpoint.weight)) * factor
      this.weights[i] = w
      sum += w
      this.cumulative[i] = sum
    }
    this.total = sum
    this.#refreshAt =
      rampEnd === Infinity ? Infinity : Math.min(rampEnd, now + Math.max(1, this.#slowStart.windowMs / 100))
  }
}
