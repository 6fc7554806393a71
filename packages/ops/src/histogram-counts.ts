import { InvalidArgumentError } from '@nines/core'

/** What a histogram looks like at scrape time; `HistogramCounts` is one, so is a copy sent from a worker. */
export interface HistogramSnapshot {
  /** Ascending upper bounds (`le`); the `+Inf` bucket is implied. */
  readonly bounds: ArrayLike<number>
  /** Per bucket, not cumulative; one longer than `bounds`, the last being the overflow above the top bound. */
  readonly counts: ArrayLike<number>
  readonly sum: number
}

/**
 * A histogram for hot paths: `observe` is a short scan and one typed-array increment, with no allocation,
 * no labels and no hashing. It becomes a Prometheus histogram only when /metrics is scraped.
 */
export class HistogramCounts implements HistogramSnapshot {
  readonly bounds: Float64Array
  // Float64 counts stay exact to 2^53, where 32-bit counters would wrap within a day at DNS rates.
  readonly counts: Float64Array
  sum = 0

  constructor(bounds: readonly number[]) {
    if (bounds.length === 0) throw new InvalidArgumentError('Expected `bounds` to hold at least one bound')
    for (let i = 0; i < bounds.length; i++) {
      const bound = bounds[i] as number
      if (!Number.isFinite(bound) || (i > 0 && bound <= (bounds[i - 1] as number))) {
        throw new InvalidArgumentError(
          `Expected \`bounds\` to be finite and strictly ascending, got [${bounds.join(', ')}]`,
        )
      }
    }
    this.bounds = Float64Array.from(bounds)
    this.counts = new Float64Array(bounds.length + 1)
  }

  observe(value: number): void {
    if (value !== value) return // NaN would poison the sum; it is a caller bug, not worth a throw here
    const bounds = this.bounds
    let i = 0
    while (i < bounds.length && value > (bounds[i] as number)) i++
    this.counts[i] = (this.counts[i] as number) + 1
    this.sum += value
  }

  get count(): number {
    let total = 0
    for (const n of this.counts) total += n
    return total
  }

  /** Adds another histogram with the same bounds, e.g. a worker's snapshot into the primary's total. */
  add(other: HistogramSnapshot): void {
    if (!sameBounds(this.bounds, other.bounds)) {
      throw new InvalidArgumentError('Expected histograms with the same bounds')
    }
    for (let i = 0; i < this.counts.length; i++) {
      this.counts[i] = (this.counts[i] as number) + (other.counts[i] ?? 0)
    }
    this.sum += other.sum
  }

  /** A copy that later observations do not change (structured-clone safe, for worker messages). */
  snapshot(): HistogramSnapshot {
    return { bounds: Array.from(this.bounds), counts: Array.from(this.counts), sum: this.sum }
  }

  reset(): void {
    this.counts.fill(0)
    this.sum = 0
  }
}

function sameBounds(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
