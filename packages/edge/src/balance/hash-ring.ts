import type { Candidate } from './types.js'

/** Virtual nodes of the heaviest endpoint; lighter ones get proportionally fewer (at least one). */
export const VNODES_PER_ENDPOINT = 160

/**
 * 32-bit FNV-1a over UTF-16 code units, then murmur3's finaliser: FNV alone spreads near-identical
 * strings (`ep-1#0`, `ep-1#1`) badly. Allocates nothing.
 */
export function hash32(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/**
 * A Ketama-style ring: each endpoint owns points `hash32(id#i)`, so its points depend only on its own id
 * and weight, and removing an endpoint moves only the keys that were on it.
 */
export class HashRing {
  /** The ring's members; `owners` indexes into this. */
  readonly candidates: readonly Candidate[]
  /** Sorted point hashes. */
  readonly points: Uint32Array
  readonly owners: Int32Array
  /** ids and weights: a rebuild is needed only when this changes. */
  readonly signature: string

  constructor(candidates: readonly Candidate[]) {
    this.candidates = candidates
    this.signature = ringSignature(candidates)
    const unit = candidates.every((c) => c.endpoint.weight <= 0)
    const maxWeight = unit ? 1 : Math.max(...candidates.map((c) => c.endpoint.weight))
    const entries: { point: number; owner: number }[] = []
    candidates.forEach((c, owner) => {
      const w = unit ? 1 : c.endpoint.weight
      if (w <= 0) return
      const count = Math.max(1, Math.round((VNODES_PER_ENDPOINT * w) / maxWeight))
      for (let i = 0; i < count; i++) entries.push({ point: hash32(`${c.endpoint.id}#${i}`), owner })
    })
    // Equal points (rare) are ordered by id so that the ring does not depend on member order.
    entries.sort(
      (a, b) =>
        a.point - b.point ||
        ((candidates[a.owner] as Candidate).endpoint.id < (candidates[b.owner] as Candidate).endpoint.id
          ? -1
          : 1),
    )
    this.points = Uint32Array.from(entries, (e) => e.point)
    this.owners = Int32Array.from(entries, (e) => e.owner)
  }

  /** Index of the first point at or after `h`, wrapping to 0. O(log n). */
  firstAt(h: number): number {
    let lo = 0
    let hi = this.points.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.points[mid] as number) < h) lo = mid + 1
      else hi = mid
    }
    return lo === this.points.length ? 0 : lo
  }
}

export function ringSignature(candidates: readonly Candidate[]): string {
  return candidates.map((c) => `${c.endpoint.id}=${c.endpoint.weight}`).join('\n')
}
