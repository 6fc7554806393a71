import type { Endpoint } from '@nines/core'
import { chooseLocality } from './locality.js'
import { preferWeighted } from './order.js'
import { groupHealth, nextPriorityState, type PriorityGroupHealth, type PriorityState } from './priority.js'
import type { PolicyOptions } from './schema.js'
import type { CandidateView, ClientInfo, Selection } from './types.js'

/** Everything about a selection except the order, which `select` and `variants` each decide. */
export interface Plan {
  readonly meta: Omit<Selection, 'endpoints'>
  /** Endpoints to order; tiers stay in sequence (priority groups when failed open), else there is one. */
  readonly tiers: readonly (readonly Endpoint[])[]
}

/** Envoy's order: priority (with spill-over and panic), then locality; weight is the ordering's job. */
export function plan(
  candidates: readonly CandidateView[],
  client: ClientInfo,
  options: PolicyOptions,
  state: PriorityState,
  now: number,
): Plan {
  const groups = groupHealth(candidates)
  const active = nextPriorityState(state, groups, options.priority, now).active
  const activeGroup = groups.find((g) => g.priority === active)
  if (activeGroup === undefined || activeGroup.eligible === 0)
    return allDown(candidates, groups, options, active)

  // Below the panic threshold, the up endpoints of other groups (better ones still held first) add their
  // healthy share, as Envoy's priority load does; panic only when even they are not enough.
  const included = [activeGroup]
  let share = healthyShare(activeGroup)
  if (share < options.panicThreshold) {
    for (const g of groups) {
      if (share >= options.panicThreshold) break
      if (g === activeGroup || g.eligible === 0) continue
      included.push(g)
      share += healthyShare(g)
    }
  }
  const panic = share < options.panicThreshold
  if (panic) included.splice(1)

  const views = included.flatMap((g) => candidates.filter((c) => c.priority === g.priority))
  const bestServing = groups.find((g) => g.nonDrained > 0)?.priority ?? active
  const degraded =
    activeGroup.eligible < activeGroup.nonDrained || included.length > 1 || active > bestServing
  const recovering = candidates.some(
    (c) =>
      c.recovering === true &&
      c.effective === 'up' &&
      (c.priority <= active || included.some((g) => g.priority === c.priority)),
  )
  const outcome = panic ? 'panic' : degraded ? 'degraded' : 'healthy'
  const ttlSec = outcome === 'healthy' && !recovering ? options.ttl.normalSec : options.ttl.degradedSec

  const notes = [`priority ${active}: ${activeGroup.eligible}/${activeGroup.nonDrained} up`]
  if (active > bestServing) notes.push(`failed over from priority ${bestServing}`)
  if (included.length > 1 || panic) notes.push(`below panic threshold ${percent(options.panicThreshold)}`)
  for (const g of included.slice(1))
    notes.push(`spilled to priority ${g.priority} (${g.eligible}/${g.nonDrained} up)`)
  if (recovering) notes.push('recovering')

  if (panic) {
    const all = views.filter((v) => v.effective !== 'drain').map((v) => v.endpoint)
    notes.push(`panic: answering all ${all.length}`)
    const meta = { ...base(active, ttlSec, notes), outcome, panic: true } as const
    return { meta, tiers: [preferWeighted(all)] }
  }
  const locality = chooseLocality(views, client.locality, options.locality)
  if (locality.note !== '') notes.push(locality.note)
  const meta = {
    ...base(active, ttlSec, notes),
    outcome,
    localityTier: locality.tier,
    localityDependent: locality.dependent,
  } as const
  return { meta, tiers: [preferWeighted(locality.chosen.map((v) => v.endpoint))] }
}

function allDown(
  candidates: readonly CandidateView[],
  groups: readonly PriorityGroupHealth[],
  options: PolicyOptions,
  active: number,
): Plan {
  const action = options.allDown
  const nonDrained = groups.reduce((sum, g) => sum + g.nonDrained, 0)
  const tiers =
    action === 'fail-open'
      ? groups
          .filter((g) => g.nonDrained > 0)
          .map((g) =>
            preferWeighted(
              candidates
                .filter((c) => c.priority === g.priority && c.effective !== 'drain')
                .map((c) => c.endpoint),
            ),
          )
      : []
  const drained = candidates.length - nonDrained
  const notes = [`all down: 0/${nonDrained} up${drained > 0 ? ` (${drained} drained)` : ''}`]
  notes.push(action === 'fail-open' ? `fail-open: answering all ${nonDrained}` : action)
  const meta = {
    ...base(active, options.ttl.degradedSec, notes),
    outcome: 'all-down',
    allDownAction: action,
    failedOpen: tiers.length > 0,
  } as const
  return { meta, tiers }
}

function base(active: number, ttlSec: number, notes: readonly string[]) {
  return {
    failedOpen: false,
    panic: false,
    activePriority: active,
    localityTier: 'none',
    localityDependent: false,
    ttlSec,
    reason: notes.join('; '),
  } as const
}

function healthyShare(g: PriorityGroupHealth): number {
  return g.eligible / g.nonDrained
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`
}
