import type { Candidate, Picker } from './types.js'
import type { WeightTable } from './weights.js'

/**
 * Smooth weighted round robin (nginx): each pick adds every weight to its running score, takes the
 * highest and lowers it by the total. Weights 5:1:1 give a,a,b,a,c,a,a rather than a burst of five.
 * O(n) per pick, no allocation; scores restart on rebuild.
 */
export class RoundRobinPicker implements Picker {
  readonly #table: WeightTable
  readonly #scores: Float64Array

  constructor(table: WeightTable) {
    this.#table = table
    this.#scores = new Float64Array(table.candidates.length)
  }

  pick(_key: string | undefined, allow: ((c: Candidate) => boolean) | undefined): Candidate | undefined {
    const t = this.#table
    t.refresh()
    let best = -1
    let total = 0
    for (let i = 0; i < t.candidates.length; i++) {
      const w = t.weights[i] as number
      if (w <= 0 || (allow !== undefined && !allow(t.candidates[i] as Candidate))) continue
      const score = (this.#scores[i] as number) + w
      this.#scores[i] = score
      total += w
      if (best < 0 || score > (this.#scores[best] as number)) best = i
    }
    if (best < 0) return undefined
    this.#scores[best] = (this.#scores[best] as number) - total
    return t.candidates[best]
  }
}
