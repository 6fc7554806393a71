import type { Endpoint } from '@nines/core'
import { chooseLocality } from './locality.js'
import { preferWeighted } from './order.js'
import { groupHealth, nextPriorityState, type PriorityGroupHealth, type PriorityState } from './priority.js'
import type { PolicyOptions } from './schema.js'
import type {
  CandidateView,
  ClientInfo,
  Selection,
  SelectionStep,
  SelectionStepKind,
  TtlRule,
} from './types.js'

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
  const next = nextPriorityState(state, groups, options.priority, now)
  const active = next.active
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
  // The endpoints whose state shapes the answer: the groups spilled to, and those at or above the active
  // one, which would take the traffic but for a drain or a failback still held.
  const shapesAnswer = (c: CandidateView) =>
    c.priority <= active || included.some((g) => g.priority === c.priority)
  const drained = candidates.filter((c) => c.effective === 'drain' && shapesAnswer(c)).length
  const windowMs = options.ttl.recoveringSec * 1000
  const recoveringEnds = candidates
    .filter((c) => c.effective === 'up' && c.recoveredAt !== undefined && shapesAnswer(c))
    .map((c) => c.recoveredAt! + windowMs)
    .filter((end) => end > now)
  const outcome = panic ? 'panic' : degraded ? 'degraded' : 'healthy'
  const ttlRule: TtlRule =
    outcome !== 'healthy'
      ? outcome
      : drained > 0
        ? 'draining'
        : recoveringEnds.length > 0
          ? 'recovering'
          : 'normal'
  const ttlSec = ttlRule === 'normal' ? options.ttl.normalSec : options.ttl.degradedSec

  const steps: SelectionStep[] = []
  const note = (step: SelectionStepKind, detail: string) => steps.push({ step, detail })
  note('priority', `priority ${active}: ${activeGroup.eligible}/${activeGroup.nonDrained} up`)
  if (active > bestServing) note('priority', `failed over from priority ${bestServing}`)
  const held = groups.find((g) => g.priority < active && g.eligible > 0)
  if (held !== undefined) {
    const upSince = next.upSince[held.priority] ?? now
    note(
      'priority',
      options.priority.failback === 'manual'
        ? `failback to priority ${held.priority} is manual`
        : `failback to priority ${held.priority} held until ${iso(upSince + options.priority.holdMs)}`,
    )
  }
  if (included.length > 1 || panic) note('panic', `below panic threshold ${percent(options.panicThreshold)}`)
  for (const g of included.slice(1))
    note('priority', `spilled to priority ${g.priority} (${g.eligible}/${g.nonDrained} up)`)
  if (drained > 0) note('drain', `draining ${drained}`)
  if (recoveringEnds.length > 0)
    note('recovering', `recovering ${recoveringEnds.length} until ${iso(Math.max(...recoveringEnds))}`)
  // In panic every non-drained endpoint of the group answers, wherever the client is.
  const locality = panic ? undefined : chooseLocality(views, client.locality, options.locality)
  const chosen = locality
    ? locality.chosen.map((v) => v.endpoint)
    : views.filter((v) => v.effective !== 'drain').map((v) => v.endpoint)
  if (panic) note('panic', `panic: answering all ${chosen.length}`)
  const after = locality === undefined ? [] : afterTier(views, chosen, client, options)
  const more = after.reduce((sum, tier) => sum + tier.length, 0)
  if (locality !== undefined && locality.note !== '')
    note('locality', more > 0 ? `${locality.note}, then ${more} more` : locality.note)
  const meta = {
    ...base(active, ttlSec, ttlRule, steps),
    outcome,
    panic,
    localityTier: locality?.tier ?? 'none',
    localityDependent: locality?.dependent ?? false,
    ...(recoveringEnds.length > 0 && { nextChangeAt: Math.min(...recoveringEnds) }),
  } as const
  const tiers = [preferWeighted(chosen), ...after.filter((t) => t.length > 0).map(preferWeighted)]
  return { meta, tiers }
}

/**
 * With locality `mode: first`, the up endpoints outside the chosen tier: the client's region first, then
 * the rest, each a tier of its own so the rotation never mixes them ahead of nearer ones.
 */
function afterTier(
  views: readonly CandidateView[],
  chosen: readonly Endpoint[],
  client: ClientInfo,
  options: PolicyOptions,
): Endpoint[][] {
  if (options.locality.mode !== 'first') return []
  const taken = new Set(chosen)
  const rest = views.filter((v) => v.effective === 'up' && !taken.has(v.endpoint)).map((v) => v.endpoint)
  const region = client.locality?.region
  if (rest.length === 0) return []
  if (region === undefined) return [rest]
  return [rest.filter((e) => e.labels.region === region), rest.filter((e) => e.labels.region !== region)]
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
  const steps: SelectionStep[] = [
    { step: 'all-down', detail: `all down: 0/${nonDrained} up${drained > 0 ? ` (${drained} drained)` : ''}` },
    { step: 'all-down', detail: action === 'fail-open' ? `fail-open: answering all ${nonDrained}` : action },
  ]
  const meta = {
    ...base(active, options.ttl.degradedSec, 'all-down', steps),
    outcome: 'all-down',
    allDownAction: action,
    failedOpen: tiers.length > 0,
  } as const
  return { meta, tiers }
}

function base(active: number, ttlSec: number, ttlRule: TtlRule, steps: readonly SelectionStep[]) {
  return {
    failedOpen: false,
    panic: false,
    activePriority: active,
    localityTier: 'none',
    localityDependent: false,
    ttlSec,
    ttlRule,
    reason: reasonOf(steps),
    steps,
  } as const
}

function reasonOf(steps: readonly SelectionStep[]): string {
  return steps.map((s) => s.detail).join('; ')
}

function healthyShare(g: PriorityGroupHealth): number {
  return g.eligible / g.nonDrained
}

function percent(share: number): string {
  return `${Math.round(share * 100)}%`
}

function iso(at: number): string {
  return new Date(at).toISOString()
}
