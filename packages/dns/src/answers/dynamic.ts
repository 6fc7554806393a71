import { isIPv4 } from 'node:net'
import type { Endpoint, Locality, Rng } from '@nines/core'
import { toEndpoint, type PoolConfig } from '@nines/health'
import {
  groupHealth,
  initialPriorityState,
  nextPriorityChangeAt,
  nextPriorityState,
  type PriorityState,
} from '../policy/priority.js'
import type { CandidateView } from '../policy/types.js'
import { rotateTiers } from '../policy/order.js'
import { variants, type Variants } from '../policy/variants.js'
import { Rcode, type WireRecord } from '@nines/wire'
import type { DynamicName } from '../zone/schema.js'
import { SERVFAIL_DRAFT, additionalFor, negativeDraft } from './drafts.js'
import { localityKey, type LocalitySlots } from './localities.js'
import { srvTargets } from './srv-targets.js'
import type { Draft, DraftSet, EndpointHealthView, NameReport } from './types.js'
import { addressRecord, answersSrv, type NodeModel } from './zone-model.js'

export interface DynamicContext {
  readonly health: (pool: string, endpointId: string) => EndpointHealthView
  readonly priority: ReadonlyMap<string, PriorityState>
  readonly rng: Rng
  readonly now: number
  readonly variantsPerKey: number
  readonly slots: LocalitySlots | undefined
  readonly nodes: ReadonlyMap<string, NodeModel>
}

export interface DynamicAnswers {
  /** By record type; a family without any endpoint or backup address is absent (NODATA). */
  readonly sets: ReadonlyMap<'A' | 'AAAA' | 'SRV', DraftSet>
  readonly report: NameReport
  readonly state: PriorityState
  readonly nextChangeAt: number | undefined
}

type Family = 'A' | 'AAAA'

/**
 * The answers of one dynamic name. One selection per client locality (and one without), then A and
 * AAAA are that selection filtered by family and only then capped at maxAnswers, so a pool that mixes
 * families answers both; SRV carries every family, and for `weighted` is not drawn down to
 * maxAnswers since SRV clients draw by weight themselves (RFC 2782).
 */
export function dynamicAnswers(
  node: NodeModel,
  dynamic: DynamicName,
  pool: PoolConfig,
  ctx: DynamicContext,
): DynamicAnswers {
  const name = node.name
  const { policy } = dynamic
  const endpoints = pool.endpoints.map(toEndpoint)
  const indexOf = new Map(endpoints.map((e, i) => [e.id, i]))
  const views: CandidateView[] = endpoints.map((endpoint, i) => {
    const health = ctx.health(dynamic.pool, endpoint.id)
    return {
      endpoint,
      effective: health.effective,
      ...(health.recoveredAt !== undefined && { recoveredAt: health.recoveredAt }),
      priority: pool.endpoints[i]!.priority,
    }
  })
  const groups = groupHealth(views)
  const previous = ctx.priority.get(name) ?? initialPriorityState(groups, ctx.now)
  const state = nextPriorityState(previous, groups, policy.priority, ctx.now)
  // Uncapped here: the cap applies per family below.
  const wide = { ...policy, maxAnswers: Math.max(1, endpoints.length) }
  const select = (locality?: Locality) =>
    variants(views, locality ? { locality } : {}, wide, state, ctx.rng, ctx.now, ctx.variantsPerKey)
  const slotLocalities = policy.locality.enabled && ctx.slots ? ctx.slots.localities : []
  const global = select()
  let perSlot: Variants[] | undefined = slotLocalities.map((locality) => select(locality))
  if (!perSlot.some((v) => v.selection.localityDependent)) perSlot = undefined

  // One TTL for the whole answer, whatever the client's locality: the TTL rules do not depend on it.
  const ttlSec = global.selection.ttlSec
  const nodata = negativeDraft(node.zone, Rcode.NOERROR, ttlSec)
  const targets = srvTargets(name, pool.endpoints)
  const memo = new Map<string, Draft>()
  const memoized = (key: string, make: () => Draft): Draft => {
    let draft = memo.get(key)
    if (draft === undefined) {
      draft = make()
      memo.set(key, draft)
    }
    return draft
  }

  /**
   * `weighted`: each draw restricted to the family is a weighted draw of the family. `all`: the family
   * is rotated on its own, so that each of its endpoints leads equally often whatever the mix; tiers
   * (priority groups when failed open, the client's locality first with `mode: first`) stay in sequence
   * as in `variants`.
   */
  const familyOrderings = (v: Variants, family: Family): (readonly Endpoint[])[] => {
    const inFamily = (e: Endpoint) => familyOf(e.address) === family
    if (policy.kind === 'weighted')
      return v.orderings.map((o) => o.filter(inFamily).slice(0, policy.maxAnswers))
    const tiers = v.tiers.map((tier) => tier.filter(inFamily)).filter((tier) => tier.length > 0)
    if (tiers.length === 0) return [[]]
    const longest = Math.max(...tiers.map((t) => t.length))
    const count = Math.max(1, Math.min(ctx.variantsPerKey, longest))
    return Array.from({ length: count }, (_, i) =>
      rotateTiers(tiers, Math.floor((i * longest) / count), policy.maxAnswers),
    )
  }

  const familyDrafts = (v: Variants, family: Family): Draft[] => {
    const { selection } = v
    if (v.orderings.length === 0) {
      if (selection.allDownAction === 'servfail') return [SERVFAIL_DRAFT]
      const backup =
        selection.allDownAction === 'backup' ? dynamic.backup.filter((a) => familyOf(a) === family) : []
      if (backup.length === 0) return [nodata]
      return [memoized(`backup ${family}`, () => addressDraft(name, backup, ttlSec))]
    }
    return familyOrderings(v, family).map((chosen) => {
      if (chosen.length === 0) return nodata
      return memoized(`${family} ${ids(chosen)}`, () =>
        addressDraft(
          name,
          chosen.map((e) => e.address),
          ttlSec,
        ),
      )
    })
  }

  const srvDrafts = (v: Variants): Draft[] => {
    const { selection } = v
    if (v.orderings.length === 0) return [selection.allDownAction === 'servfail' ? SERVFAIL_DRAFT : nodata]
    const cap = policy.kind === 'weighted' ? Infinity : policy.maxAnswers
    return v.orderings.map((ordering) => {
      const chosen = ordering.slice(0, cap)
      return memoized(`SRV ${ids(chosen)}`, () => {
        const answers: WireRecord[] = chosen.map((e) => {
          const i = indexOf.get(e.id)!
          const data = {
            priority: pool.endpoints[i]!.priority,
            weight: e.weight,
            port: e.port,
            target: targets[i]!,
          }
          return { name, type: 'SRV', ttlSec, data }
        })
        return {
          rcode: Rcode.NOERROR,
          answers,
          authorities: [],
          // One TTL for the whole answer: the targets' addresses expire with the SRV records.
          additionals: additionalFor(answers, node.zone, ctx.nodes, selection.ttlSec),
        }
      })
    })
  }

  const draftSet = (make: (v: Variants) => Draft[]): DraftSet => {
    const globalDrafts = make(global)
    if (perSlot === undefined) return { global: globalDrafts }
    const empty = (drafts: readonly Draft[]) => drafts.every((d) => d.answers.length === 0)
    const forSlot = (v: Variants): Draft[] => {
      if (!v.selection.localityDependent) return globalDrafts
      // A tier whose up endpoints are all of the other family spills over for this one.
      const drafts = make(v)
      return empty(drafts) && !empty(globalDrafts) ? globalDrafts : drafts
    }
    return { global: globalDrafts, slots: perSlot.map(forSlot) }
  }
  const sets = new Map<'A' | 'AAAA' | 'SRV', DraftSet>()
  for (const family of ['A', 'AAAA'] as const) {
    const present =
      endpoints.some((e) => familyOf(e.address) === family) ||
      dynamic.backup.some((a) => familyOf(a) === family)
    if (present)
      sets.set(
        family,
        draftSet((v) => familyDrafts(v, family)),
      )
  }
  if (answersSrv(dynamic)) sets.set('SRV', draftSet(srvDrafts))

  const addresses = (slot: number | undefined): string[] =>
    (['A', 'AAAA'] as const).flatMap((family) => {
      const set = sets.get(family)
      const drafts = slot === undefined || set?.slots === undefined ? set?.global : set.slots[slot]
      return (drafts?.[0]?.answers ?? []).map((r) => String(r.data))
    })
  const { selection } = global
  const report: NameReport = {
    name,
    pool: dynamic.pool,
    policy: policy.kind,
    state: selection.outcome,
    reason: selection.reason,
    steps: selection.steps,
    failedOpen: selection.failedOpen,
    panic: selection.panic,
    ...(selection.allDownAction !== undefined && { allDownAction: selection.allDownAction }),
    activePriority: selection.activePriority,
    ttlSec,
    ttlRule: selection.ttlRule,
    counts: countStates(views),
    answer: addresses(undefined),
    endpoints: views.map((v) => ({
      id: v.endpoint.id,
      address: v.endpoint.address,
      port: v.endpoint.port,
      priority: v.priority,
      effective: v.effective,
    })),
    localities:
      perSlot === undefined
        ? []
        : slotLocalities.map((locality, slot) => {
            const { localityTier, steps } = perSlot![slot]!.selection
            return {
              locality: localityKey(locality),
              answer: addresses(slot),
              tier: localityTier,
              reason: steps.find((s) => s.step === 'locality')?.detail ?? '',
            }
          }),
  }
  const changes = [nextPriorityChangeAt(state, policy.priority), selection.nextChangeAt]
  return { sets, report, state, nextChangeAt: earliest(changes) }
}

function countStates(views: readonly CandidateView[]): NameReport['counts'] {
  const counts = { up: 0, down: 0, drain: 0 }
  for (const v of views) counts[v.effective === 'up' || v.effective === 'drain' ? v.effective : 'down']++
  return counts
}

function earliest(times: readonly (number | undefined)[]): number | undefined {
  const defined = times.filter((t): t is number => t !== undefined)
  return defined.length > 0 ? Math.min(...defined) : undefined
}

function familyOf(address: string): Family {
  return isIPv4(address) ? 'A' : 'AAAA'
}

function ids(endpoints: readonly Endpoint[]): string {
  return endpoints.map((e) => e.id).join(' ')
}

function addressDraft(name: string, addresses: readonly string[], ttlSec: number): Draft {
  return {
    rcode: Rcode.NOERROR,
    answers: addresses.map((address) => addressRecord(name, address, ttlSec)),
    authorities: [],
    additionals: [],
  }
}
