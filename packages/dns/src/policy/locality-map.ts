import { InvalidArgumentError, type Locality } from '@nines/core'
import { z } from 'zod'
import { ipFromBytes, parseCidr, parseIp, unmapIPv4 } from './ip.js'

const cidrSchema = z.string().superRefine((text, ctx) => {
  const parsed = parseCidr(text)
  if (!parsed.ok) ctx.addIssue({ code: 'custom', input: text, message: parsed.message })
})

export const localityMapEntrySchema = z
  .strictObject({
    cidr: cidrSchema,
    region: z.string().min(1).optional(),
    zone: z.string().min(1).optional(),
  })
  .refine((entry) => entry.region !== undefined || entry.zone !== undefined, {
    message: 'expected region or zone',
  })

/** Client networks and where they are: the table behind ECS- and source-address locality. */
export const localityMapSchema = z.array(localityMapEntrySchema).superRefine((entries, ctx) => {
  const firstIndex = new Map<string, number>()
  entries.forEach((entry, index) => {
    const key = networkKey(entry.cidr)
    if (key === undefined) return
    const first = firstIndex.get(key)
    if (first === undefined) firstIndex.set(key, index)
    else
      ctx.addIssue({
        code: 'custom',
        path: [index, 'cidr'],
        message: `duplicate of entry ${first} (${entries[first]?.cidr})`,
      })
  })
})

export type LocalityMapEntry = z.infer<typeof localityMapEntrySchema>

export interface LocalityMatch {
  readonly locality: Locality
  /** The matching entry's CIDR as configured. */
  readonly cidr: string
  /** The matching entry's prefix length: the ECS scope an answer that depends on it may claim. */
  readonly prefixLength: number
}

export interface LocalityMap {
  /**
   * The longest-prefix entry for a client address: a literal, or raw bytes (an ECS address, with its
   * family). With `sourcePrefixLength` (ECS), entries narrower than the client's prefix never match.
   */
  match(address: string | Uint8Array, family?: 4 | 6, sourcePrefixLength?: number): LocalityMatch | undefined
  lookup(address: string | Uint8Array, family?: 4 | 6, sourcePrefixLength?: number): Locality | undefined
  readonly size: number
}

interface FamilyTable {
  /** Prefix lengths present, longest first. */
  lengths: number[]
  byLength: Map<number, Map<string | number, LocalityMatch>>
}

/** Throws InvalidArgumentError on entries `localityMapSchema` would reject. */
export function createLocalityMap(entries: readonly LocalityMapEntry[]): LocalityMap {
  const checked = localityMapSchema.safeParse(entries)
  if (!checked.success) {
    const issue = checked.error.issues[0]
    const path = (issue?.path ?? []).map((part) =>
      typeof part === 'number' ? `[${part}]` : `.${String(part)}`,
    )
    throw new InvalidArgumentError(`locality map${path.join('')}: ${issue?.message}`)
  }
  const tables = { 4: emptyTable(), 6: emptyTable() }
  for (const entry of entries) {
    const parsed = parseCidr(entry.cidr)
    if (!parsed.ok) continue
    const { cidr } = parsed
    const locality: Locality = Object.freeze({
      ...(entry.region !== undefined && { region: entry.region }),
      ...(entry.zone !== undefined && { zone: entry.zone }),
    })
    const table = tables[cidr.family]
    let byKey = table.byLength.get(cidr.prefixLength)
    if (byKey === undefined) {
      byKey = new Map()
      table.byLength.set(cidr.prefixLength, byKey)
      table.lengths.push(cidr.prefixLength)
    }
    byKey.set(
      maskedKey(cidr.words, cidr.prefixLength),
      Object.freeze({ locality, cidr: entry.cidr, prefixLength: cidr.prefixLength }),
    )
  }
  for (const table of Object.values(tables)) table.lengths.sort((a, b) => b - a)

  const match = (address: string | Uint8Array, family?: 4 | 6, sourcePrefixLength?: number) => {
    const parsed = typeof address === 'string' ? parseIp(address) : ipFromBytes(address, family)
    if (parsed === undefined) return undefined
    const ip = unmapIPv4(parsed)
    // A mapped address keeps its prefix length relative to the IPv4 part.
    const limit =
      sourcePrefixLength === undefined
        ? Infinity
        : ip === parsed
          ? sourcePrefixLength
          : sourcePrefixLength - 96
    const table = tables[ip.family]
    for (const length of table.lengths) {
      if (length > limit) continue
      const found = table.byLength.get(length)?.get(maskedKey(ip.words, length))
      if (found !== undefined) return found
    }
    return undefined
  }
  return {
    match,
    lookup: (address, family, sourcePrefixLength) => match(address, family, sourcePrefixLength)?.locality,
    size: entries.length,
  }
}

function emptyTable(): FamilyTable {
  return { lengths: [], byLength: new Map() }
}

/** The network of `words` at `length` bits as a map key, built without intermediate arrays (per query). */
function maskedKey(words: readonly number[], length: number): string | number {
  if (words.length === 1) return length === 0 ? 0 : (words[0]! & (-1 << (32 - length))) >>> 0
  let key = ''
  for (let i = 0; i * 32 < length; i++) {
    const bits = length - 32 * i
    key += `${i === 0 ? '' : ':'}${bits >= 32 ? words[i]! : (words[i]! & (-1 << (32 - bits))) >>> 0}`
  }
  return key
}

function networkKey(text: string): string | undefined {
  const parsed = parseCidr(text)
  if (!parsed.ok) return undefined
  const { cidr } = parsed
  return `${cidr.family}/${maskedKey(cidr.words, cidr.prefixLength)}/${cidr.prefixLength}`
}
