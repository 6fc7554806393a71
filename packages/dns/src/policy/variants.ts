import { InvalidArgumentError, type Endpoint, type Rng } from '@nines/core'
import { drawWeighted, rotateTiers } from './order.js'
import { plan } from './plan.js'
import type { PriorityState } from './priority.js'
import type { PolicyOptions } from './schema.js'
import type { CandidateView, ClientInfo, Selection } from './types.js'

export interface Variants {
  /** The metadata of every ordering; its `endpoints` are `orderings[0]` (empty when there are none). */
  readonly selection: Selection
  /** What the server rotates through; empty when there is nothing to answer. */
  readonly orderings: readonly (readonly Endpoint[])[]
  /**
   * The endpoints in their tiers (priority groups when failed open, the client's locality tier first with
   * locality `mode: first`): a caller that reorders, as the server does per address family, rotates each
   * tier on its own and keeps them in sequence.
   */
  readonly tiers: readonly (readonly Endpoint[])[]
}

/**
 * Up to `count` orderings of one selection for the server to serve round-robin. `all`: distinct
 * rotations, evenly spaced, so each endpoint leads equally often. `weighted`: `count` draws whose first
 * picks are stratified (one uniform draw per 1/count slice), so the leading endpoints follow the weights
 * within one variant instead of by chance; they are shuffled so that shares hold over short runs too.
 */
export function variants(
  candidates: readonly CandidateView[],
  client: ClientInfo,
  options: PolicyOptions,
  state: PriorityState,
  rng: Rng,
  now: number,
  count = 8,
): Variants {
  if (!Number.isInteger(count) || count < 1) {
    throw new InvalidArgumentError(`variants: count must be an integer >= 1, got ${count}`)
  }
  const { meta, tiers } = plan(candidates, client, options, state, now)
  const size = tiers.reduce((sum, t) => sum + t.length, 0)
  const orderings =
    size === 0
      ? []
      : options.kind === 'weighted'
        ? draws(tiers, size, options, rng, count)
        : rotations(tiers, options, count)
  return { selection: { ...meta, endpoints: orderings[0] ?? [] }, orderings, tiers }
}

function rotations(
  tiers: readonly (readonly Endpoint[])[],
  options: PolicyOptions,
  count: number,
): Endpoint[][] {
  const longest = Math.max(...tiers.map((t) => t.length))
  const k = Math.min(count, longest)
  const seen = new Set<string>()
  const out: Endpoint[][] = []
  for (let i = 0; i < k; i++) {
    const ordering = rotateTiers(tiers, Math.floor((i * longest) / k), options.maxAnswers)
    const key = ordering.map((e) => e.id).join('\n')
    if (seen.has(key)) continue
    seen.add(key)
    out.push(ordering)
  }
  return out
}

function draws(
  tiers: readonly (readonly Endpoint[])[],
  size: number,
  options: PolicyOptions,
  rng: Rng,
  count: number,
): Endpoint[][] {
  if (size === 1) return [drawWeighted(tiers, options.maxAnswers, rng)]
  const out = Array.from({ length: count }, (_, i) =>
    drawWeighted(tiers, options.maxAnswers, rng, (i + rng.next()) / count),
  )
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}
