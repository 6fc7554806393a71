import { RRType, Rcode, type WireRecord } from '@nines/wire'
import { parentName, zoneOf } from '../zone/names.js'
import { negativeDraft, ownedBy, prefixed, rrsetDraft, single } from './drafts.js'
import type { DraftSet } from './types.js'
import { wildcardOf, type NodeModel, type ZoneModel } from './zone-model.js'

/** Everything one owner name answers, by query type, before encoding. */
export interface NodeDrafts {
  readonly types: Map<number, DraftSet>
  /** For any other type: NODATA, or the CNAME chain's answer. */
  readonly otherwise: DraftSet
}

export interface NodeDraftContext {
  readonly nodes: ReadonlyMap<string, NodeModel>
  readonly origins: ReadonlySet<string>
  /** The dynamic answers of each dynamic name, by FQDN. */
  readonly dynamic: ReadonlyMap<string, ReadonlyMap<'A' | 'AAAA' | 'SRV', DraftSet>>
  /** The shared NODATA of a DNS zone. */
  readonly nodata: (zone: ZoneModel) => DraftSet
  /** The shared referral to the servers of a delegation point. */
  readonly referral: (cut: NodeModel) => DraftSet
}

// Longer chains are cut: resolvers give up near here too (BIND follows 16, Unbound 11).
const MAX_CHAIN = 16

export function nodeDrafts(node: NodeModel, ctx: NodeDraftContext): NodeDrafts {
  if (node.cut !== undefined) {
    // At and below a zone cut every type gets the referral, glue included (RFC 1034 §4.3.2), except
    // DS at the cut itself, which the parent side answers (RFC 4035 §3.1.4.1): we hold none.
    const types = new Map<number, DraftSet>()
    if (node.cut === node) types.set(RRType.DS, ctx.nodata(node.zone))
    return { types, otherwise: ctx.referral(node.cut) }
  }
  const cname = node.rrsets.get('CNAME')?.[0]
  if (cname?.type === 'CNAME') return chase(node, cname, cname.data, ctx)
  const types = dataTypes(node, ctx, [])
  // RFC 8482: ANY gets one RRset, never the whole node.
  const any = types.get(RRType.A) ?? types.get(RRType.AAAA) ?? types.values().next().value
  if (any !== undefined) types.set(RRType.ANY, any)
  return { types, otherwise: ctx.nodata(node.zone) }
}

/** The node's static RRsets and dynamic answers, each behind `chain` (empty unless reached by CNAME). */
function dataTypes(
  node: NodeModel,
  ctx: NodeDraftContext,
  chain: readonly WireRecord[],
): Map<number, DraftSet> {
  const types = new Map<number, DraftSet>()
  for (const [type, rrset] of node.rrsets)
    types.set(RRType[type], single(rrsetDraft(rrset, node.zone, ctx.nodes, chain)))
  for (const [type, set] of ctx.dynamic.get(node.name) ?? []) {
    // SRV is computed for srv.services; the name itself answers it only when srv.enabled.
    if (type === 'SRV' && node.dynamic?.config.srv.enabled === false) continue
    types.set(RRType[type], chain.length === 0 ? set : prefixed(set, chain))
  }
  const srv = node.srvOf && ctx.dynamic.get(node.srvOf.name)?.get('SRV')
  if (srv !== undefined) {
    const owned = ownedBy(srv, node.name)
    types.set(RRType.SRV, chain.length === 0 ? owned : prefixed(owned, chain))
  }
  return types
}

/**
 * An in-zone CNAME is followed at build time: the answer is the chain and then the target's records
 * of the asked type (RFC 1034 §4.3.2), down to a name outside the DNS zone, a loop, or MAX_CHAIN.
 * A chain ending at a missing name is NXDOMAIN (RFC 6604), at a name without the type NODATA. A chain
 * that enters a delegation (the cut itself, its glue, or any name below it) ends in the referral: the
 * chain in the answer, still authoritative, the delegation's NS in authority and its glue in
 * additional (RFC 1034 §4.3.2 step 3b), never glue as an answer (RFC 2181 §5.4.1), as NSD and Knot do.
 */
function chase(node: NodeModel, own: WireRecord, ownTarget: string, ctx: NodeDraftContext): NodeDrafts {
  const ownAnswer = single(rrsetDraft([own], node.zone, ctx.nodes))
  const chain: WireRecord[] = [own]
  const seen = new Set([node.name])
  let target = ownTarget
  let end: NodeModel | 'nxdomain' | 'stop' | { readonly referral: NodeModel } = 'stop'
  while (chain.length <= MAX_CHAIN) {
    if (zoneOf(target, ctx.origins) !== node.zone.origin || seen.has(target)) break
    const cut = cutAt(target, ctx.nodes)
    if (cut !== undefined) {
      end = { referral: cut }
      break
    }
    const next = ctx.nodes.get(target) ?? synthesized(target, ctx.nodes)
    if (next === undefined) {
      end = 'nxdomain'
      break
    }
    seen.add(target)
    const alias = next.rrsets.get('CNAME')?.[0]
    if (alias?.type !== 'CNAME') {
      end = next
      break
    }
    chain.push(alias)
    target = alias.data
  }
  let types = new Map<number, DraftSet>()
  let otherwise: DraftSet
  if (end === 'stop') {
    otherwise = single({ rcode: Rcode.NOERROR, answers: chain, authorities: [], additionals: [] })
  } else if (end === 'nxdomain') {
    otherwise = single({ ...negativeDraft(node.zone, Rcode.NXDOMAIN), answers: chain })
  } else if ('referral' in end) {
    const { authorities, additionals } = ctx.referral(end.referral).global[0]!
    otherwise = single({ rcode: Rcode.NOERROR, answers: chain, authorities, additionals })
  } else {
    types = dataTypes(end, ctx, chain)
    otherwise = single({ ...negativeDraft(node.zone, Rcode.NOERROR), answers: chain })
  }
  types.set(RRType.CNAME, ownAnswer)
  types.set(RRType.ANY, ownAnswer)
  return { types, otherwise }
}

/** The delegation point `name` lies at or under, if any: the cut of the node itself or of its closest encloser. */
function cutAt(name: string, nodes: ReadonlyMap<string, NodeModel>): NodeModel | undefined {
  for (let at: string | null = name; at !== null; at = parentName(at)) {
    const node = nodes.get(at)
    if (node !== undefined) return node.cut
  }
  return undefined
}

/**
 * The node a wildcard synthesizes for `name`, which has no node of its own (RFC 4592): the `*` child
 * of its closest encloser, its records owned by `name`. Undefined when there is none, or a delegation
 * answers there.
 */
function synthesized(name: string, nodes: ReadonlyMap<string, NodeModel>): NodeModel | undefined {
  for (let at = parentName(name); at !== null; at = parentName(at)) {
    const encloser = nodes.get(at)
    if (encloser === undefined) continue
    const wildcard = wildcardOf(encloser, nodes)
    if (wildcard === undefined) return undefined
    const rrsets = new Map(
      [...wildcard.rrsets].map(([type, rrset]) => [type, rrset.map((r) => ({ ...r, name }))]),
    )
    return { name, zone: wildcard.zone, rrsets: rrsets as NodeModel['rrsets'] }
  }
  return undefined
}
