import type { Rng } from '@nines/core'
import type { Candidate, Picker } from './types.js'
import type { WeightTable } from './weights.js'

/**
 * Power of two choices on least outstanding requests, weighted (Envoy least_request, active request
 * bias 1): draw two distinct candidates by weight and keep the one with fewer `outstanding / weight`;
 * a tie keeps the first draw. Idle endpoints tie, so light traffic follows the weights; as requests pile
 * up on a slow endpoint its score rises and it is passed over. (Envoy's `weight / (outstanding + 1)`
 * would always prefer the heavier of two idle endpoints, so a 1:3 pair would split 0:1 when idle.)
 * O(log n), no allocation.
 */
export class P2cPicker implements Picker {
  readonly #table: WeightTable
  readonly #rng: Rng

  constructor(table: WeightTable, rng: Rng) {
    this.#table = table
    this.#rng = rng
  }

  pick(_key: string | undefined, allow: ((c: Candidate) => boolean) | undefined): Candidate | undefined {
    const t = this.#table
    t.refresh()
    if (allow !== undefined) return this.#pickAllowed(allow)
    const n = t.candidates.length
    if (n === 0) return undefined
    if (n === 1) return t.candidates[0]
    const first = t.indexAt(this.#rng.next() * t.total)
    // The second draw skips the first's range, so the two are distinct without retrying.
    const w1 = t.weights[first] as number
    const rest = t.total - w1
    if (rest <= 0) return t.candidates[first]
    let r = this.#rng.next() * rest
    const start = first === 0 ? 0 : (t.cumulative[first - 1] as number)
    if (r >= start) r += w1
    const second = t.indexAt(Math.min(r, t.total * (1 - Number.EPSILON)))
    return this.#better(first, second)
  }

  #better(i: number, j: number): Candidate {
    const t = this.#table
    const a = t.candidates[i] as Candidate
    const b = t.candidates[j] as Candidate
    // Cross-multiplied to avoid dividing by a weight; ties keep the first (already a weighted draw).
    return b.outstanding * (t.weights[i] as number) < a.outstanding * (t.weights[j] as number) ? b : a
  }

  /** Retries only: the same rule over the allowed candidates, by a linear scan. */
  #pickAllowed(allow: (c: Candidate) => boolean): Candidate | undefined {
    const t = this.#table
    let total = 0
    let count = 0
    for (let i = 0; i < t.candidates.length; i++) {
      if (allow(t.candidates[i] as Candidate)) {
        total += t.weights[i] as number
        count++
      }
    }
    if (count === 0) return undefined
    const first = this.#scan(allow, this.#rng.next() * total, -1)
    if (count === 1 || total - (t.weights[first] as number) <= 0) return t.candidates[first]
    const second = this.#scan(allow, this.#rng.next() * (total - (t.weights[first] as number)), first)
    return this.#better(first, second)
  }

  #scan(allow: (c: Candidate) => boolean, r: number, skip: number): number {
    const t = this.#table
    let last = -1
    for (let i = 0; i < t.candidates.length; i++) {
      if (i === skip || !allow(t.candidates[i] as Candidate)) continue
      const w = t.weights[i] as number
      if (w <= 0) continue
      last = i
      if (r < w) return i
      r -= w
    }
    return last
  }
}
