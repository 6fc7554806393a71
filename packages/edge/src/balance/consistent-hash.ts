import type { Rng } from '@nines/core'
import { hash32, type HashRing } from './hash-ring.js'
import type { Candidate, Picker } from './types.js'

/**
 * Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam 2018; HAProxy
 * `hash-balance-factor`): walk the ring from the key's point and take the first eligible endpoint whose
 * outstanding requests, this one included, stay within `ceil((1 + ε) × (total + 1) × weight / Σweight)`.
 * A hot key spills to the next endpoint on the ring instead of overloading its home. A pick without a
 * key is a uniform draw on the ring.
 */
export class HashPicker implements Picker {
  readonly #ring: HashRing
  /** 1 where the ring's candidate is in the chosen tier and up. */
  readonly #eligible: Uint8Array
  readonly #factor: number
  readonly #rng: Rng
  readonly #weightSum: number
  readonly #count: number

  constructor(ring: HashRing, eligible: Uint8Array, epsilon: number, rng: Rng) {
    this.#ring = ring
    this.#eligible = eligible
    this.#factor = 1 + epsilon
    this.#rng = rng
    let sum = 0
    let count = 0
    ring.candidates.forEach((c, i) => {
      if (eligible[i] === 1) {
        sum += Math.max(0, c.endpoint.weight)
        count++
      }
    })
    this.#weightSum = sum
    this.#count = count
  }

  pick(key: string | undefined, allow: ((c: Candidate) => boolean) | undefined): Candidate | undefined {
    const ring = this.#ring
    const n = ring.points.length
    if (this.#count === 0 || n === 0) return undefined
    let outstanding = 0
    for (let i = 0; i < ring.candidates.length; i++) {
      if (this.#eligible[i] === 1) outstanding += (ring.candidates[i] as Candidate).outstanding
    }
    const unit = this.#weightSum <= 0
    const capacity = this.#factor * (outstanding + 1)
    const h = key === undefined ? Math.floor(this.#rng.next() * 4294967296) : hash32(key)
    const start = ring.firstAt(h)
    let fallback: Candidate | undefined
    for (let step = 0; step < n; step++) {
      const owner = ring.owners[(start + step) % n] as number
      if (this.#eligible[owner] !== 1) continue
      const c = ring.candidates[owner] as Candidate
      if (allow !== undefined && !allow(c)) continue
      const share = unit ? 1 / this.#count : c.endpoint.weight / this.#weightSum
      if (c.outstanding + 1 <= Math.ceil(capacity * share)) return c
      fallback ??= c
    }
    // Only reachable when `allow` leaves out the endpoints under the bound: the nearest allowed one.
    return fallback
  }
}
