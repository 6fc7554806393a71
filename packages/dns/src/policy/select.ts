import type { Rng } from '@nines/core'
import { drawWeighted, rotateTiers } from './order.js'
import { plan } from './plan.js'
import type { PriorityState } from './priority.js'
import type { PolicyOptions } from './schema.js'
import type { CandidateView, ClientInfo, Selection } from './types.js'

/**
 * One answer for one dynamic name: priority, then locality, then weight (Envoy's order). `all` answers
 * every chosen endpoint from a random rotation; `weighted` draws `maxAnswers` without replacement.
 * `state` is read through `nextPriorityState` at `now`; storing the new state is the caller's job.
 */
export function select(
  candidates: readonly CandidateView[],
  client: ClientInfo,
  options: PolicyOptions,
  state: PriorityState,
  rng: Rng,
  now: number,
): Selection {
  const { meta, tiers } = plan(candidates, client, options, state, now)
  if (options.kind === 'weighted') return { ...meta, endpoints: drawWeighted(tiers, options.maxAnswers, rng) }
  const longest = Math.max(0, ...tiers.map((t) => t.length))
  return { ...meta, endpoints: rotateTiers(tiers, Math.floor(rng.next() * longest), options.maxAnswers) }
}
