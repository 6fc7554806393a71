import { InvalidArgumentError } from '@nines/core'
import type { PriorityState } from '../policy/priority.js'
import { Rcode, type Answer, nameKeyOf } from '@nines/wire'
import { ownerFqdn } from '../zone/names.js'
import { checkZoneReferences } from '../zone/references.js'
import { Compiler, type Question } from './compile.js'
import { negativeDraft, referralDraft, single } from './drafts.js'
import { dynamicAnswers } from './dynamic.js'
import { localitySlots } from './localities.js'
import { nodeDrafts } from './node-drafts.js'
import { AnswerTable, type TableNode, type TableZone } from './table.js'
import type { BuildInput, BuiltAnswers, DraftSet, NameReport } from './types.js'
import { wildcardOf, zoneNodes, type NodeModel, type ZoneModel } from './zone-model.js'

/**
 * Precomputes every answer of every served DNS zone for the current health and configuration. Pure
 * but for `rng`; call it again on any health or configuration change and swap the table in. Throws
 * InvalidArgumentError when the zones fail checkZoneReferences or an input is out of range (misuse:
 * the configuration should have been validated).
 */
export function buildAnswers(input: BuildInput): BuiltAnswers {
  const variantsPerKey = input.variantsPerKey ?? 8
  if (!Number.isInteger(variantsPerKey) || variantsPerKey < 1 || variantsPerKey > 64) {
    throw new InvalidArgumentError(`variantsPerKey: expected an integer 1..64, got ${variantsPerKey}`)
  }
  if (
    input.serial !== undefined &&
    (!Number.isInteger(input.serial) || input.serial < 0 || input.serial > 0xffffffff)
  ) {
    throw new InvalidArgumentError(`serial: expected an integer 0..4294967295, got ${input.serial}`)
  }
  const problems = checkZoneReferences(input.zones, new Set(Object.keys(input.pools)))
  if (problems.length > 0) {
    const [first] = problems
    throw new InvalidArgumentError(
      `zones.${first!.path.join('.')}: ${first!.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
    )
  }

  const { zones, nodes } = zoneNodes(input.zones, input.pools, input.serial)
  const slots = input.localities.length > 0 ? localitySlots(input.localities) : undefined
  const ctx = { ...input, variantsPerKey, slots, nodes }
  const dynamic = new Map<string, ReadonlyMap<'A' | 'AAAA' | 'SRV', DraftSet>>()
  const names: NameReport[] = []
  const priority = new Map<string, PriorityState>()
  let nextChangeAt: number | undefined
  for (const [origin, zone] of Object.entries(input.zones)) {
    for (const key of Object.keys(zone.names)) {
      const node = nodes.get(ownerFqdn(key, origin))!
      if (node.dynamic === undefined) continue
      const answers = dynamicAnswers(node, node.dynamic.config, input.pools[node.dynamic.config.pool]!, ctx)
      dynamic.set(node.name, answers.sets)
      names.push(answers.report)
      priority.set(node.name, answers.state)
      const at = answers.nextChangeAt
      if (at !== undefined && (nextChangeAt === undefined || at < nextChangeAt)) nextChangeAt = at
    }
  }

  const nodataOf = memoized((zone: ZoneModel) => single(negativeDraft(zone, Rcode.NOERROR)))
  const referralOf = memoized((cut: NodeModel) => single(referralDraft(cut, nodes)))
  const draftCtx = { nodes, origins: new Set(zones.keys()), dynamic, nodata: nodataOf, referral: referralOf }
  const compiler = new Compiler()
  const nxdomain = new Map<ZoneModel, Answer>()
  for (const zone of zones.values())
    nxdomain.set(zone, compiler.answer(negativeDraft(zone, Rcode.NXDOMAIN), zone.origin))
  const compile = (node: NodeModel, question: Question, below: TableNode | Answer): TableNode => {
    const drafts = nodeDrafts(node, draftCtx)
    const types = new Map([...drafts.types].map(([type, set]) => [type, compiler.entry(set, question)]))
    return { types, otherwise: compiler.entry(drafts.otherwise, question), below }
  }
  const tableNodes = new Map<string, TableNode>()
  for (const node of nodes.values()) {
    // Names below it that do not exist: referred under a delegation, else synthesized from a wildcard
    // child (RFC 4592), else NXDOMAIN.
    const wildcard = wildcardOf(node, nodes)
    const below =
      node.cut !== undefined
        ? compiler.answer(referralOf(node.cut).global[0]!, node.name)
        : wildcard !== undefined
          ? compile(wildcard, { wildcard: wildcard.name }, nxdomain.get(node.zone)!)
          : nxdomain.get(node.zone)!
    tableNodes.set(nameKeyOf(node.name), compile(node, node.name, below))
  }
  const tableZones = new Map<string, TableZone>()
  for (const zone of zones.values()) tableZones.set(nameKeyOf(zone.origin), { origin: zone.origin })
  return { table: new AnswerTable(tableNodes, tableZones, slots), names, priority, nextChangeAt }
}

/** `make`, computed once per key: drafts shared by identity let the compiler share their bytes. */
function memoized<K, V>(make: (key: K) => V): (key: K) => V {
  const made = new Map<K, V>()
  return (key) => {
    let value = made.get(key)
    if (value === undefined) {
      value = make(key)
      made.set(key, value)
    }
    return value
  }
}
