import type { AnswerTable } from '../answers/table.js'
import type { NameReport, NameState } from '../answers/types.js'
import { localityKey } from '../answers/localities.js'
import type { TtlRule } from '../policy/types.js'
import { RRType, Rcode } from '@nines/wire'
import { decodeAnswer, rcodeName, type DecodedAnswer, type ExplainedRecord } from './decode.js'
import { checkQuestion, type CheckedQuestion, type ExplainQuestion } from './question.js'

export type ExplainStepKind =
  | 'zone'
  | 'name'
  | 'wildcard'
  | 'delegation'
  | 'cname'
  | 'policy'
  | 'priority'
  | 'panic'
  | 'all-down'
  | 'drain'
  | 'recovering'
  | 'locality'
  | 'ttl'
  | 'answer'

export interface ExplainStep {
  readonly step: ExplainStepKind
  readonly detail: string
}

/** What a client would be answered now and why; plain data for the admin API and the CLI. */
export interface Explanation {
  /** The name lowercase without the trailing dot, the type as a mnemonic. */
  readonly question: { readonly name: string; readonly type: string }
  /** As given; `ecs` when it is a subnet (asked as an ECS option); `locality` `region/zone` when mapped. */
  readonly client?: { readonly address: string; readonly ecs: boolean; readonly locality?: string }
  /** The DNS zone that answers; absent when the answer is REFUSED. */
  readonly zone?: string
  readonly rcode: string
  readonly aa: boolean
  /** The ECS scope the answer is valid for; only when the client is a subnet. */
  readonly ecsScope?: number
  /** The first variant, record by record, as sent. */
  readonly answers: readonly ExplainedRecord[]
  readonly authority: readonly ExplainedRecord[]
  readonly additional: readonly ExplainedRecord[]
  /** How many variants this client is served in turn (rotations, weighted draws). */
  readonly variants: number
  /** The dynamic name whose policy chose the answer (the question or the end of its CNAME chain). */
  readonly dynamic?: {
    readonly name: string
    readonly pool: string
    readonly state: NameState
    readonly ttlRule: TtlRule
  }
  readonly steps: readonly ExplainStep[]
}

/** A build's answer table and name reports, as `buildAnswers` returned them. */
export interface ExplainSource {
  readonly table: AnswerTable
  readonly names: readonly NameReport[]
}

/**
 * Explains the answer `question` gets from `built.table` right now, without advancing a rotation:
 * the answer is read back from the very bytes the server sends, and the steps join the facts of
 * the selection the build made (for the client's locality when it has one). Throws
 * InvalidArgumentError for an unknown type, a malformed name or client.
 */
export function explain(built: ExplainSource, question: ExplainQuestion): Explanation {
  const q = checkQuestion(question)
  const { table } = built
  const described = table.describe(q.name, q.qtype, q.client?.described)
  const decoded = decodeAnswer(q.name, q.qtype, described.variants[0]!)
  const locality = q.client && table.localityOf(q.client.described)
  const steps: ExplainStep[] = []
  const add = (step: ExplainStepKind, detail: string) => steps.push({ step, detail })

  if (described.zone === undefined) {
    add(
      'zone',
      described.match === 'outside'
        ? `${q.name} is in no served DNS zone: REFUSED (authoritative only, never a resolver)`
        : `${q.type} (a zone transfer) is REFUSED`,
    )
  } else {
    add('zone', `DNS zone ${described.zone}`)
    explainName(q, described.match, described.encloser, decoded, add)
  }

  // A SERVFAIL drops the alias chain from the answer; the table still knows it.
  const chain =
    decoded.rcode === Rcode.SERVFAIL && decoded.answers.length === 0 ? aliasChain(table, q.name) : decoded
  const end = aliasEnd(q, chain, add)
  const report = built.names.find((n) => n.name === end.toLowerCase())
  if (report !== undefined) {
    add(
      'policy',
      `${report.name}: pool ${report.pool}, policy ${report.policy}; endpoints ${report.counts.up} up, ` +
        `${report.counts.down} down, ${report.counts.drain} drained; state ${report.state}`,
    )
    for (const s of report.steps) add(s.step, s.detail)
    const slot = locality && report.localities.find((l) => l.locality === localityKey(locality))
    if (q.client !== undefined) {
      const who = `client ${q.client.text}${q.client.ecs ? ' (ECS)' : ''}`
      add(
        'locality',
        locality === undefined
          ? `${who} maps to no locality: the answer for every client`
          : slot === undefined
            ? `${who} is in ${localityKey(locality)}; the answer does not depend on it`
            : `${who} is in ${slot.locality}: ${slot.reason || slot.tier}`,
      )
    } else if (report.localities.length > 0) {
      add('locality', 'no client given: the answer for clients without a locality')
    }
  }
  add('ttl', ttlDetail(decoded, report, q.type))
  const more = described.variants.length > 1 ? `; ${described.variants.length} variants served in turn` : ''
  add('answer', `${rcodeName(decoded.rcode)}, ${count(decoded.answers.length, 'record')}${more}`)

  return {
    question: { name: q.name, type: q.type },
    ...(q.client && {
      client: {
        address: q.client.text,
        ecs: q.client.ecs,
        ...(locality && { locality: localityKey(locality) }),
      },
    }),
    ...(described.zone !== undefined && { zone: described.zone }),
    rcode: rcodeName(decoded.rcode),
    aa: decoded.aa,
    ...(q.client?.ecs && { ecsScope: described.ecsScope }),
    answers: decoded.answers,
    authority: decoded.authority,
    additional: decoded.additional,
    variants: described.variants.length,
    ...(report && {
      dynamic: { name: report.name, pool: report.pool, state: report.state, ttlRule: report.ttlRule },
    }),
    steps,
  }
}

type Add = (step: ExplainStepKind, detail: string) => void

function explainName(
  q: CheckedQuestion,
  match: 'name' | 'wildcard' | 'encloser' | 'outside',
  encloser: string | undefined,
  decoded: DecodedAnswer,
  add: Add,
): void {
  const ns = decoded.authority.filter((r) => r.type === 'NS')
  if (!decoded.aa && decoded.rcode === Rcode.NOERROR && ns.length > 0) {
    const cut = ns[0]!.name.toLowerCase()
    const where = cut === q.name ? 'at' : 'below'
    add('delegation', `${where} the delegation ${cut}: referral to ${ns.map((r) => r.data).join(', ')}`)
  } else if (match === 'wildcard') {
    add('wildcard', `${q.name} does not exist: synthesized from *.${encloser} (RFC 4592)`)
  } else if (match === 'encloser') {
    add('name', `${q.name} does not exist (closest encloser ${encloser}, no wildcard): NXDOMAIN`)
  } else if (decoded.answers.length === 0 && decoded.rcode === Rcode.NOERROR) {
    add('name', `${q.name} exists without ${q.type} records: NODATA`)
  } else {
    add('name', `${q.name} exists`)
  }
}

/** Walks the answer's CNAME chain from the question; returns the name it ends at. */
function aliasEnd(q: CheckedQuestion, decoded: DecodedAnswer, add: Add): string {
  if (q.qtype === RRType.CNAME) return q.name
  let at = q.name
  const seen = new Set([at])
  for (const record of decoded.answers) {
    if (record.type !== 'CNAME' || record.name.toLowerCase() !== at) break
    at = record.data.toLowerCase()
    if (seen.has(at)) {
      add('cname', `${record.name.toLowerCase()} is an alias of ${at}, which closes a loop: the chain is cut`)
      return at
    }
    seen.add(at)
    add('cname', `${record.name.toLowerCase()} is an alias (CNAME) of ${at}`)
  }
  const answered = decoded.answers.some((r) => r.name.toLowerCase() === at && r.type !== 'CNAME')
  if (at !== q.name && !answered) {
    if (decoded.rcode === Rcode.NXDOMAIN) add('cname', `${at} does not exist: NXDOMAIN (RFC 6604)`)
    else if (decoded.authority.length === 0 && decoded.rcode === Rcode.NOERROR)
      add('cname', `${at} is outside the served DNS zones: the resolver follows it`)
  }
  return at
}

/** The CNAME records from `name` on, each read from the table as a CNAME question would be answered. */
function aliasChain(table: AnswerTable, name: string): DecodedAnswer {
  const answers: ExplainedRecord[] = []
  for (let at = name, hop = 0; hop < 16; hop++) {
    const cname = decodeAnswer(at, RRType.CNAME, table.describe(at, RRType.CNAME).variants[0]!).answers[0]
    if (cname?.type !== 'CNAME') break
    answers.push(cname)
    at = cname.data.toLowerCase()
  }
  return { rcode: Rcode.SERVFAIL, aa: true, answers, authority: [], additional: [] }
}

const RULES: Record<TtlRule, string> = {
  normal: 'policy.ttl.normalSec: healthy',
  degraded: 'policy.ttl.degradedSec: degraded',
  panic: 'policy.ttl.degradedSec: panic',
  'all-down': 'policy.ttl.degradedSec: all down',
  draining: 'policy.ttl.degradedSec: an endpoint is drained',
  recovering: 'policy.ttl.degradedSec: an endpoint came back within policy.ttl.recoveringSec',
}

function ttlDetail(decoded: DecodedAnswer, report: NameReport | undefined, type: string): string {
  if (decoded.rcode === Rcode.SERVFAIL || decoded.rcode === Rcode.REFUSED)
    return `${rcodeName(decoded.rcode)} carries no TTL`
  const records = decoded.answers.filter((r) => r.type !== 'CNAME')
  const soa = decoded.authority.find((r) => r.type === 'SOA')
  if (report !== undefined) {
    if (records.length > 0) return `${owner(records)}: ${records[0]!.ttl} s (${RULES[report.ttlRule]})`
    // A type the name has no endpoint (nor backup address) of is plain NODATA, not capped.
    if (soa !== undefined && soa.ttl > report.ttlSec)
      return `negative: the SOA's min(minimumSec, ttlSec) (RFC 2308), the name having no ${type} endpoint: ${soa.ttl} s`
    if (soa !== undefined)
      return `negative: the SOA's min(minimumSec, ttlSec) capped at the name's ${report.ttlSec} s (${RULES[report.ttlRule]}): ${soa.ttl} s`
  }
  if (records.length > 0)
    return `${owner(records)}: ${records[0]!.ttl} s (fixed, whatever the health: no dynamic name chose it)`
  if (soa !== undefined) return `negative: the SOA's min(minimumSec, ttlSec) (RFC 2308): ${soa.ttl} s`
  const ns = decoded.authority[0]
  return ns !== undefined ? `referral: the NS records' ${ns.ttl} s` : 'no records'
}

function owner(records: readonly ExplainedRecord[]): string {
  return `${records[0]!.name.toLowerCase()} ${records[0]!.type}`
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`
}
