import type { Locality } from '@nines/core'
import {
  RRClass,
  RRType,
  Rcode,
  nameKeyOf,
  nameOfKey,
  parentKey,
  type ParsedQuery,
  EMPTY_BODY,
  type Answer,
} from '@nines/wire'
import type { Entry } from './compile.js'
import type { LocalitySlots } from './localities.js'
import type { Rotation } from './rotation.js'

/** Who asked, as the socket saw it (an IPv4-mapped IPv6 address counts as IPv4). */
export interface ClientAddress {
  readonly address: string
  readonly family: 4 | 6
}

export interface TableNode {
  readonly types: ReadonlyMap<number, Entry>
  /** Any other type: NODATA, or what a CNAME chain ends in. */
  readonly otherwise: Entry
  /**
   * What a name that does not exist gets when this node is its closest encloser (RFC 4592): the
   * answers synthesized from the wildcard child `*`, the referral of a delegation above, or NXDOMAIN.
   */
  readonly below: TableNode | Answer
}

export interface TableZone {
  readonly origin: string
}

/** Describe's client: a source address, or an ECS option such as `203.0.113.0/24`. */
export interface DescribedClient {
  readonly address?: string
  readonly ecs?: string
}

export interface AnswerDescription {
  /** The DNS zone that answers; undefined when the answer is REFUSED. */
  readonly zone: string | undefined
  /**
   * How the name was found: a node of its own (`name`), synthesized from the wildcard child of its
   * closest encloser (`wildcard`, RFC 4592), the answer below the closest encloser (`encloser`: a
   * referral or NXDOMAIN), or in no served DNS zone (`outside`).
   */
  readonly match: 'name' | 'wildcard' | 'encloser' | 'outside'
  /** The closest existing ancestor (lowercase, no trailing dot) when the name has no node of its own. */
  readonly encloser?: string
  /** Every variant the client would be served in turn. */
  readonly variants: readonly Answer[]
  readonly localityDependent: boolean
  /** The client's locality, when the answer depends on it and the client maps to one. */
  readonly locality?: Locality
  readonly ecsScope: number
}

/** Not ours to answer: outside every served DNS zone, a class other than IN, a zone transfer. */
export const REFUSED_ANSWER: Answer = Object.freeze({ rcode: Rcode.REFUSED, aa: false, body: EMPTY_BODY })

/**
 * Immutable precomputed answers. `resolve` is the query path: a Map lookup by the question's key, a
 * second by type, a locality match only for the few answers that depend on it, and a rotation counter.
 */
export class AnswerTable {
  /** (name, type) entries, ANY included. */
  readonly size: number

  constructor(
    private readonly nodes: ReadonlyMap<string, TableNode>,
    private readonly zones: ReadonlyMap<string, TableZone>,
    private readonly slots: LocalitySlots | undefined,
  ) {
    let size = 0
    for (const node of nodes.values()) size += node.types.size
    this.size = size
  }

  resolve(query: ParsedQuery, client: ClientAddress): Answer {
    if (query.qclass !== RRClass.IN) return REFUSED_ANSWER
    const qtype = query.qtype
    let node = this.nodes.get(query.qnameKey)
    if (node === undefined) {
      const below = this.absent(query.qnameKey)
      if (!('types' in below)) return below
      node = below // a wildcard answers it
    }
    const entry = node.types.get(qtype)
    if (entry === undefined) {
      return qtype === RRType.AXFR || qtype === RRType.IXFR ? REFUSED_ANSWER : node.otherwise.global.pick()
    }
    const perSlot = entry.slots
    const slots = this.slots
    if (perSlot === undefined || slots === undefined) return entry.global.pick()
    const ecs = query.edns?.ecs
    const match =
      ecs === undefined
        ? slots.map.match(client.address)
        : slots.map.match(ecs.address, undefined, ecs.sourcePrefix)
    const slot = match === undefined ? undefined : slots.byMatch.get(match)
    // An unmapped ECS client still gets a scope: the answer was chosen for its prefix, not for everyone.
    if (slot === undefined)
      return ecs === undefined ? entry.global.pick() : entry.global.pickScoped(ecs.sourcePrefix)
    const rotation = perSlot[slot.slot]!
    if (ecs === undefined) return rotation.pick()
    return rotation.pickScoped(
      slot.wholeCidr ? Math.min(match!.prefixLength, ecs.sourcePrefix) : ecs.sourcePrefix,
    )
  }

  /**
   * What `name` answers for `qtype` (class IN) to a client at `address` or with an ECS option such as
   * `203.0.113.0/24`, without advancing any rotation: for debugging, the admin API and tests.
   */
  describe(name: string, qtype: number, client: DescribedClient = {}): AnswerDescription {
    const key = nameKeyOf(name)
    const exact = this.nodes.get(key)
    const encloser = exact === undefined ? this.encloserOf(key) : undefined
    const found = exact ?? (encloser === undefined ? REFUSED_ANSWER : this.nodes.get(encloser)!.below)
    const node = 'types' in found ? found : undefined
    const how = {
      match: exact ? 'name' : encloser === undefined ? 'outside' : node ? 'wildcard' : 'encloser',
      ...(encloser !== undefined && { encloser: nameOfKey(encloser) }),
    } as const
    const zone = this.zoneOf(key)
    const entry = node?.types.get(qtype)
    if (node === undefined || entry === undefined) {
      const answer =
        node === undefined
          ? (found as Answer)
          : qtype === RRType.AXFR || qtype === RRType.IXFR
            ? REFUSED_ANSWER
            : node.otherwise.global.answers[0]!
      return {
        zone: answer === REFUSED_ANSWER ? undefined : zone,
        ...how,
        variants: [answer],
        localityDependent: false,
        ecsScope: 0,
      }
    }
    const describe = (rotation: Rotation, ecsScope: number, locality?: Locality): AnswerDescription => ({
      zone,
      ...how,
      variants: rotation.answers,
      localityDependent: entry.slots !== undefined,
      ...(locality !== undefined && { locality }),
      ecsScope,
    })
    const slots = this.slots
    if (entry.slots === undefined || slots === undefined) return describe(entry.global, 0)
    const { match, slot, ecsPrefix } = this.slotOf(slots, client)
    if (slot === undefined) return describe(entry.global, ecsPrefix ?? 0)
    const scope =
      ecsPrefix === undefined ? 0 : slot.wholeCidr ? Math.min(match!.prefixLength, ecsPrefix) : ecsPrefix
    return describe(entry.slots[slot.slot]!, scope, slots.localities[slot.slot])
  }

  /** The locality a client maps to (its ECS option first), whatever it asks: for explanations. */
  localityOf(client: DescribedClient): Locality | undefined {
    if (this.slots === undefined) return undefined
    const { slot } = this.slotOf(this.slots, client)
    return slot === undefined ? undefined : this.slots.localities[slot.slot]
  }

  private slotOf(slots: LocalitySlots, client: DescribedClient) {
    const slash = client.ecs?.lastIndexOf('/') ?? -1
    const ecs =
      client.ecs === undefined
        ? undefined
        : { address: client.ecs.slice(0, slash), prefix: Number(client.ecs.slice(slash + 1)) }
    const match =
      ecs !== undefined
        ? slots.map.match(ecs.address, undefined, ecs.prefix)
        : client.address !== undefined
          ? slots.map.match(client.address)
          : undefined
    const slot = match === undefined ? undefined : slots.byMatch.get(match)
    return { match, slot, ecsPrefix: ecs?.prefix }
  }

  /** A name without a node: what its closest encloser says (a wildcard, a referral, NXDOMAIN), else REFUSED. */
  private absent(key: string): TableNode | Answer {
    for (let at = parentKey(key); at !== null; at = parentKey(at)) {
      const encloser = this.nodes.get(at)
      if (encloser !== undefined) return encloser.below
    }
    return REFUSED_ANSWER
  }

  /** The key of the closest existing ancestor of a name without a node, if any. */
  private encloserOf(key: string): string | undefined {
    for (let at = parentKey(key); at !== null; at = parentKey(at)) if (this.nodes.has(at)) return at
    return undefined
  }

  private zoneOf(key: string): string | undefined {
    for (let at: string | null = key; at !== null; at = parentKey(at)) {
      const zone = this.zones.get(at)
      if (zone !== undefined) return zone.origin
    }
    return undefined
  }
}
