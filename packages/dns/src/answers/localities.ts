import type { Locality } from '@nines/core'
import { parseCidr, maskWords, type Cidr } from '../policy/ip.js'
import {
  createLocalityMap,
  type LocalityMap,
  type LocalityMapEntry,
  type LocalityMatch,
} from '../policy/locality-map.js'

export interface LocalitySlot {
  /** Index into a locality-dependent entry's per-locality rotations. */
  readonly slot: number
  /**
   * No more specific entry of another locality lies inside this one, so an answer chosen through it
   * holds for its whole CIDR and may claim that as its ECS scope. Otherwise only the client's own
   * source prefix is safe to claim.
   */
  readonly wholeCidr: boolean
}

/** The distinct client localities the map can produce, and for each map entry its slot. */
export interface LocalitySlots {
  readonly map: LocalityMap
  /** Slot index → locality. */
  readonly localities: readonly Locality[]
  /** Keyed by the very LocalityMatch objects `map.match` returns, so a query does one Map lookup. */
  readonly byMatch: ReadonlyMap<LocalityMatch, LocalitySlot>
}

/** Throws InvalidArgumentError on entries `localityMapSchema` rejects. */
export function localitySlots(entries: readonly LocalityMapEntry[]): LocalitySlots {
  const map = createLocalityMap(entries)
  const localities: Locality[] = []
  const slotOf = new Map<string, number>()
  const cidrs = entries.map((entry) => {
    const parsed = parseCidr(entry.cidr)
    return parsed.ok ? parsed.cidr : undefined
  })
  const byMatch = new Map<LocalityMatch, LocalitySlot>()
  entries.forEach((entry, index) => {
    const cidr = cidrs[index]
    if (cidr === undefined) return
    const key = localityKey(entry)
    let slot = slotOf.get(key)
    if (slot === undefined) {
      slot = localities.length
      slotOf.set(key, slot)
      localities.push(
        Object.freeze({
          ...(entry.region !== undefined && { region: entry.region }),
          ...(entry.zone !== undefined && { zone: entry.zone }),
        }),
      )
    }
    // The entry's own network, limited to its own length, matches exactly this entry.
    const match = map.match(cidr.text.slice(0, cidr.text.indexOf('/')), undefined, cidr.prefixLength)
    if (match === undefined) return
    const wholeCidr = !entries.some((other, j) => {
      const inner = cidrs[j]
      return inner !== undefined && localityKey(other) !== key && nestedIn(inner, cidr)
    })
    byMatch.set(match, { slot, wholeCidr })
  })
  return { map, localities, byMatch }
}

/** `region/zone`, `*` for a part that is absent: for keys and reports. */
export function localityKey(locality: Locality): string {
  return `${locality.region ?? '*'}/${locality.zone ?? '*'}`
}

function nestedIn(inner: Cidr, outer: Cidr): boolean {
  if (inner.family !== outer.family || inner.prefixLength <= outer.prefixLength) return false
  const masked = maskWords(inner.words, outer.prefixLength)
  return masked.every((word, i) => word === outer.words[i])
}
