import { Rcode, type WireRecord } from '@nines/wire'
import type { Draft, DraftSet } from './types.js'
import type { NodeModel, ZoneModel } from './zone-model.js'

export const SERVFAIL_DRAFT: Draft = Object.freeze({
  rcode: Rcode.SERVFAIL,
  answers: [],
  authorities: [],
  additionals: [],
})

/** The same drafts for every client. */
export function single(draft: Draft): DraftSet {
  return { global: [draft] }
}

/** NODATA or NXDOMAIN (RFC 2308): the SOA in authority, its TTL capped at `ttlCapSec` (dynamic answers). */
export function negativeDraft(zone: ZoneModel, rcode: number, ttlCapSec = Infinity): Draft {
  const soa = zone.negativeSoa
  const ttlSec = Math.min(soa.ttlSec, ttlCapSec)
  return {
    rcode,
    answers: [],
    authorities: [ttlSec === soa.ttlSec ? soa : { ...soa, ttlSec }],
    additionals: [],
  }
}

/**
 * A referral to the servers a name is delegated to: no answer, not authoritative, the delegation's NS
 * records in authority and their in-zone addresses (glue) in additional (RFC 1034 §4.3.2).
 */
export function referralDraft(cut: NodeModel, nodes: ReadonlyMap<string, NodeModel>): Draft {
  const ns = cut.rrsets.get('NS') ?? []
  return {
    rcode: Rcode.NOERROR,
    aa: false,
    answers: [],
    authorities: ns,
    additionals: additionalFor(ns, cut.zone, nodes),
  }
}

/**
 * A and AAAA records of the names NS, MX and SRV records point at, when those names lie in the same
 * DNS zone (in bailiwick): glue for NS answers, target addresses for SRV (RFC 2782) and MX. With
 * `ttlSec` (a dynamic answer's), every one carries that TTL instead of its own.
 */
export function additionalFor(
  records: readonly WireRecord[],
  zone: ZoneModel,
  nodes: ReadonlyMap<string, NodeModel>,
  ttlSec?: number,
): WireRecord[] {
  const out: WireRecord[] = []
  const seen = new Set<string>()
  for (const record of records) {
    const target =
      record.type === 'NS'
        ? record.data
        : record.type === 'MX'
          ? record.data.exchange
          : record.type === 'SRV'
            ? record.data.target
            : undefined
    if (target === undefined || seen.has(target)) continue
    seen.add(target)
    const node = nodes.get(target)
    if (node === undefined || node.zone !== zone) continue
    out.push(...(node.rrsets.get('A') ?? []), ...(node.rrsets.get('AAAA') ?? []))
  }
  return ttlSec === undefined ? out : out.map((r) => (r.ttlSec === ttlSec ? r : { ...r, ttlSec }))
}

/** A static RRset as an answer, with its additional section. */
export function rrsetDraft(
  rrset: readonly WireRecord[],
  zone: ZoneModel,
  nodes: ReadonlyMap<string, NodeModel>,
  chain: readonly WireRecord[] = [],
): Draft {
  return {
    rcode: Rcode.NOERROR,
    answers: [...chain, ...rrset],
    authorities: [],
    additionals: additionalFor(rrset, zone, nodes),
  }
}

/** `set` with a CNAME chain in front of every answer, keeping which drafts are shared. */
export function prefixed(set: DraftSet, chain: readonly WireRecord[]): DraftSet {
  // A SERVFAIL says nothing, not even the alias.
  return mapDrafts(set, (draft) =>
    draft.rcode === Rcode.SERVFAIL ? draft : { ...draft, answers: [...chain, ...draft.answers] },
  )
}

const owned = new WeakMap<DraftSet, Map<string, DraftSet>>()

/**
 * `set` (a dynamic name's SRV answers) with its answer records owned by `name` (a `_service._proto`
 * owner below it), keeping which drafts are shared; memoized per (set, name).
 */
export function ownedBy(set: DraftSet, name: string): DraftSet {
  let byName = owned.get(set)
  if (byName === undefined) {
    byName = new Map()
    owned.set(set, byName)
  }
  let out = byName.get(name)
  if (out === undefined) {
    out = mapDrafts(set, (draft) =>
      draft.answers.length === 0 ? draft : { ...draft, answers: draft.answers.map((r) => ({ ...r, name })) },
    )
    byName.set(name, out)
  }
  return out
}

/** `set` with `change` applied to each distinct draft once, so drafts and lists shared stay shared. */
function mapDrafts(set: DraftSet, change: (draft: Draft) => Draft): DraftSet {
  const memo = new Map<Draft, Draft>()
  const one = (draft: Draft): Draft => {
    let out = memo.get(draft)
    if (out === undefined) {
      out = change(draft)
      memo.set(draft, out)
    }
    return out
  }
  const lists = new Map<readonly Draft[], readonly Draft[]>()
  const list = (drafts: readonly Draft[]): readonly Draft[] => {
    let out = lists.get(drafts)
    if (out === undefined) {
      out = drafts.map(one)
      lists.set(drafts, out)
    }
    return out
  }
  return set.slots === undefined
    ? { global: list(set.global) }
    : { global: list(set.global), slots: set.slots.map(list) }
}
