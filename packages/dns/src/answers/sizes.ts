import { seededRng } from '@nines/core'
import { toEndpoint, type PoolConfig } from '@nines/health'
import type { LocalityMapEntry } from '../policy/locality-map.js'
import { RRType, Rcode, encodeBody, type WireRecord } from '@nines/wire'
import { ownerFqdn } from '../zone/names.js'
import { checkZoneReferences, type ZoneProblem } from '../zone/references.js'
import type { DnsZones } from '../zone/schema.js'
import { Compiler, type Question } from './compile.js'
import { negativeDraft, referralDraft, single } from './drafts.js'
import { dynamicAnswers } from './dynamic.js'
import { localitySlots } from './localities.js'
import { nodeDrafts } from './node-drafts.js'
import type { Draft, DraftSet, EndpointHealthView } from './types.js'
import { zoneNodes, type NodeModel, type ZoneModel } from './zone-model.js'

const TYPE_NAMES = new Map<number, string>(Object.entries(RRType).map(([name, code]) => [code, name]))
const UP: EndpointHealthView = Object.freeze({ effective: 'up', recovering: false })
const DOWN: EndpointHealthView = Object.freeze({ effective: 'down', recovering: false })

/**
 * Every answer that cannot be built, above all those that do not fit in one DNS message (65535 bytes,
 * the TCP limit), for every health the pools can be in that makes answers largest: every endpoint up,
 * only one priority group up (for each group), every endpoint down (fail-open answers them all, backup
 * its addresses). Paths are relative to the DNS zones object, as checkZoneReferences's; meant for the
 * same superRefine, so that a configuration that passes `check` never fails to build later, on a
 * health change. Returns nothing while checkZoneReferences finds problems (it reports those). Pure;
 * costs a few builds of the answers.
 */
export function checkAnswerSizes(
  zones: DnsZones,
  pools: Readonly<Record<string, PoolConfig>>,
  localities: readonly LocalityMapEntry[],
): ZoneProblem[] {
  if (checkZoneReferences(zones, new Set(Object.keys(pools))).length > 0) return []
  const problems = new Map<string, ZoneProblem>()
  const report = (path: (string | number)[], message: string): void => {
    const key = JSON.stringify(path)
    if (!problems.has(key)) problems.set(key, { path, message })
  }
  for (const health of scenarios(pools)) checkOnce(zones, pools, localities, health, report)
  return [...problems.values()]
}

/** Health functions: all up, each priority rank alone up (in every pool at once), all down. */
function scenarios(
  pools: Readonly<Record<string, PoolConfig>>,
): ((pool: string, id: string) => EndpointHealthView)[] {
  const ranks = new Map<string, Map<string, number>>()
  let most = 0
  for (const [name, pool] of Object.entries(pools)) {
    const priorities = [...new Set(pool.endpoints.map((e) => e.priority))].sort((a, b) => a - b)
    most = Math.max(most, priorities.length)
    const byId = new Map<string, number>()
    for (const endpoint of pool.endpoints)
      byId.set(toEndpoint(endpoint).id, priorities.indexOf(endpoint.priority))
    ranks.set(name, byId)
  }
  type Health = (pool: string, id: string) => EndpointHealthView
  const out: Health[] = [() => UP, () => DOWN]
  if (most > 1) {
    for (let rank = 0; rank < most; rank++) {
      out.push((pool, id) => (ranks.get(pool)?.get(id) === rank ? UP : DOWN))
    }
  }
  return out
}

function checkOnce(
  input: DnsZones,
  pools: Readonly<Record<string, PoolConfig>>,
  localities: readonly LocalityMapEntry[],
  health: (pool: string, id: string) => EndpointHealthView,
  report: (path: (string | number)[], message: string) => void,
): void {
  const { zones, nodes } = zoneNodes(input, pools, 1)
  const slots = localities.length > 0 ? localitySlots(localities) : undefined
  const ctx = { health, priority: new Map(), rng: seededRng(1), now: 0, variantsPerKey: 8, slots, nodes }
  const dynamic = new Map<string, ReadonlyMap<'A' | 'AAAA' | 'SRV', DraftSet>>()
  for (const node of nodes.values()) {
    if (node.dynamic === undefined) continue
    const { key, config } = node.dynamic
    try {
      dynamic.set(node.name, dynamicAnswers(node, config, pools[config.pool]!, ctx).sets)
    } catch (error) {
      report([node.zone.origin, 'names', key], `${node.name}: ${messageOf(error)}`)
    }
  }
  const memo = <K, V>(make: (key: K) => V) => {
    const made = new Map<K, V>()
    return (key: K): V => made.get(key) ?? (made.set(key, make(key)), made.get(key)!)
  }
  const draftCtx = {
    nodes,
    origins: new Set(zones.keys()),
    dynamic,
    nodata: memo((zone: ZoneModel) => single(negativeDraft(zone, Rcode.NOERROR))),
    referral: memo((cut: NodeModel) => single(referralDraft(cut, nodes))),
  }
  const compiler = new Compiler()
  const failed = new Set<string>()
  // Data nodes before aliases, so that an RRset too large is reported at its records, not at each CNAME to it.
  const ordered = [...nodes.values()].sort(
    (a, b) => Number(a.rrsets.has('CNAME')) - Number(b.rrsets.has('CNAME')),
  )
  for (const node of ordered) {
    const question: Question = node.name.startsWith('*.') ? { wildcard: node.name } : node.name
    let drafts: ReturnType<typeof nodeDrafts>
    try {
      drafts = nodeDrafts(node, draftCtx)
    } catch (error) {
      report(pathOf(node, undefined, input), `${node.name}: ${messageOf(error)}`)
      continue
    }
    const entries: [number | undefined, DraftSet][] = [...drafts.types, [undefined, drafts.otherwise]]
    for (const [type, set] of entries) {
      if (type === RRType.ANY) continue // the same RRset as another type
      try {
        compiler.entry(set, question)
      } catch (error) {
        const typeName = type === undefined ? 'other types' : (TYPE_NAMES.get(type) ?? `TYPE${type}`)
        failed.add(`${node.name} ${typeName}`)
        const cname = node.rrsets.get('CNAME')?.[0]
        if (cname?.type === 'CNAME' && (failed.has(`${cname.data} ${typeName}`) || type === undefined))
          continue
        report(pathOf(node, type, input), tooLarge(node, typeName, set, error))
      }
    }
  }
}

/** Where the data of (node, type) is configured: the dynamic name, the SRV service, the records, the NS. */
function pathOf(node: NodeModel, type: number | undefined, zones: DnsZones): (string | number)[] {
  const origin = node.zone.origin
  const name = TYPE_NAMES.get(type ?? -1)
  if (node.dynamic !== undefined && (name === 'A' || name === 'AAAA' || name === 'SRV'))
    return [origin, 'names', node.dynamic.key]
  if (node.srvOf?.dynamic !== undefined && name === 'SRV') {
    const { key, config } = node.srvOf.dynamic
    const service = node.name.slice(0, node.name.length - node.srvOf.name.length - 1)
    return [origin, 'names', key, 'srv', 'services', config.srv.services.indexOf(service)]
  }
  const zone = zones[origin]!
  const owner = node.cut ?? node
  const wanted = node.cut !== undefined ? 'NS' : node.rrsets.has('CNAME') ? 'CNAME' : name
  const index = zone.records.findIndex((r) => ownerFqdn(r.name, origin) === owner.name && r.type === wanted)
  if (index >= 0) return [origin, 'records', index]
  if (owner.name === origin && wanted === 'NS') return [origin, 'ns']
  const glue = zone.ns.findIndex((ns) => ns.name === owner.name)
  if (glue >= 0) return [origin, 'ns', glue, 'addresses']
  return [origin]
}

function tooLarge(node: NodeModel, typeName: string, set: DraftSet, error: unknown): string {
  const drafts = [...set.global, ...(set.slots ?? []).flat()]
  const largest = drafts.reduce<Draft | undefined>(
    (big, d) => (big === undefined || records(d) > records(big) ? d : big),
    undefined,
  )
  const what = `the ${typeName} answer of ${node.name}`
  if (largest === undefined || !/more than fits a message/.test(messageOf(error)))
    return `${what}: ${messageOf(error)}`
  const all = [...largest.answers, ...largest.authorities, ...largest.additionals]
  const bytes = all.reduce((sum, record) => sum + uncompressed(record), 0)
  const fix =
    node.dynamic !== undefined || node.srvOf !== undefined
      ? 'lower policy.maxAnswers, or split the pool over several names'
      : 'split the RRset over several names or shorten its data'
  return (
    `${what} does not fit in a DNS message: ${all.length} records, about ${bytes} bytes ` +
    `uncompressed; a message holds at most 65535 bytes (over TCP); ${fix}`
  )
}

function records(draft: Draft): number {
  return draft.answers.length + draft.authorities.length + draft.additionals.length
}

function uncompressed(record: WireRecord): number {
  try {
    return encodeBody({ answers: [record] }, null).bytes.length
  } catch {
    return 0
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
