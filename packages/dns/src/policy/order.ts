import type { Endpoint, Rng } from '@nines/core'

/** Weight 0 means "only when nothing else is left" (as in Route 53). */
export function preferWeighted(endpoints: readonly Endpoint[]): readonly Endpoint[] {
  return endpoints.some((e) => e.weight > 0) ? endpoints.filter((e) => e.weight > 0) : endpoints
}

/** Each tier rotated by `offset`, tiers kept in sequence, capped at `max`. */
export function rotateTiers(
  tiers: readonly (readonly Endpoint[])[],
  offset: number,
  max: number,
): Endpoint[] {
  const out: Endpoint[] = []
  for (const tier of tiers) {
    for (let i = 0; i < tier.length && out.length < max; i++) out.push(tier[(offset + i) % tier.length]!)
    if (out.length >= max) break
  }
  return out
}

/**
 * Weighted draw without replacement, tier after tier, until `max` endpoints. `firstU`, a number in
 * [0, 1), replaces the first random draw, so a caller can stratify first picks across many draws.
 */
export function drawWeighted(
  tiers: readonly (readonly Endpoint[])[],
  max: number,
  rng: Rng,
  firstU?: number,
): Endpoint[] {
  const out: Endpoint[] = []
  let u = firstU
  for (const tier of tiers) {
    const left = [...tier]
    // A tier of weight-0 endpoints only is drawn uniformly.
    const weightOf = left.some((e) => e.weight > 0) ? (e: Endpoint) => e.weight : () => 1
    let total = left.reduce((sum, e) => sum + weightOf(e), 0)
    while (left.length > 0 && out.length < max) {
      let target = (u ?? rng.next()) * total
      u = undefined
      let index = 0
      while (index < left.length - 1 && (target -= weightOf(left[index]!)) >= 0) index++
      const [picked] = left.splice(index, 1)
      total -= weightOf(picked!)
      out.push(picked!)
    }
    if (out.length >= max) break
  }
  return out
}
