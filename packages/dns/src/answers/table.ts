import type { Locality } from '@nines/core'
import { RRClass, RRType, Rcode } from '../wire/constants.js'
import { nameKeyOf, parentKey } from '../wire/names.js'
import type { ParsedQuery } from '../wire/query.js'
import { EMPTY_BODY } from '../wire/records.js'
import type { Answer } from '../wire/response.js'
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

export interface AnswerDescription {
  /** The DNS zone that answers; undefined when the answer is REFUSED. */
  readonly zone: string | undefined
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
  describe(name: string, qtype: number, client: { address?: string; ecs?: string } = {}): AnswerDescription {
    const key = nameKeyOf(name)
    const found = this.nodes.get(key) ?? this.absent(key)
    const node = 'types' in found ? found : undefined
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
        variants: [answer],
        localityDependent: false,
        ecsScope: 0,
      }
    }
    const describe = (rotation: Rotation, ecsScope: number, locality?: Locality): AnswerDescription => ({
      zone,
      variants: rotation.answers,
      localityDependent: entry.slots !== undefined,
      ...(locality !== undefined && { locality }),
      ecsScope,
    })
    const slots = this.slots
    if (entry.slots === undefined || slots === undefined) return describe(entry.global, 0)
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
    if (slot === undefined) return describe(entry.global, ecs?.prefix ?? 0)
    const scope =
      ecs === undefined ? 0 : slot.wholeCidr ? Math.min(match!.prefixLength, ecs.prefix) : ecs.prefix
    return describe(entry.slots[slot.slot]!, scope, slots.localities[slot.slot])
  }

  /** A name without a node: what its closest encloser says (a wildcard, a referral, NXDOMAIN), else REFUSED. */
  private absent(key: string): TableNode | Answer {
    for (let at = parentKey(key); at !== null; at = parentKey(at)) {
      const encloser = this.nodes.get(at)
      if (encloser !== undefined) return encloser.below
    }
    return REFUSED_ANSWER
  }

  private zoneOf(key: string): string | undefined {
    for (let at: string | null = key; at !== null; at = parentKey(at)) {
      const zone = this.zones.get(at)
      if (zone !== undefined) return zone.origin
    }
    return undefined
  }
}
