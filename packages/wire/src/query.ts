import { HEADER_BYTES, RRClass, RRType } from './constants.js'
import { OPT_FIXED_BYTES, parseOpt, type EdnsInfo } from './edns.js'
import { NameMemo } from './name-memo.js'
import { nameOfKey, uncompressedNameEnd } from './names.js'
import { u16 } from './bytes.js'
import { scanOpt } from './scan-opt.js'

/** A query the fast path (or slowParse) understood; everything a lookup and writeResponse need. */
export type ParsedQuery = {
  id: number
  /** The raw 16-bit flags word of the query. */
  flags: number
  rd: boolean
  cd: boolean
  opcode: number
  /** Lowercase presentation name without the trailing dot (`.` for the root), escaped per RFC 1035 §5.1. */
  qname: string
  /** nameKey of the question name: compare with nameKeyOf(config name). */
  qnameKey: string
  qnameStart: 12
  qnameEnd: number
  qtype: number
  qclass: number
  edns?: EdnsInfo
  /** Offset after QTYPE/QCLASS: the question is `msg[12, questionEnd)` and the body starts here. */
  questionEnd: number
}

/**
 * Why a message is not a ParsedQuery:
 * - `ignore`: shorter than a header, or a response (QR=1); drop it, never answer a response.
 * - `formerr` / `notimp` (opcode is not QUERY) / `badvers` (EDNS version > 0): answer with writeError.
 * - `slow`: well-formed so far but unusual (extra sections, a non-OPT additional, a class other
 *   than IN); hand it to slowParse.
 * `detail` is a stable kebab-case reason for logs and metrics.
 */
export type QueryProblem = {
  problem: 'ignore' | 'formerr' | 'notimp' | 'badvers' | 'slow'
  detail: string
  id?: number
  flags?: number
  /** Where the question is, when it could be parsed; error responses echo it. */
  question?: { start: number; end: number }
  /** The client's OPT, when it could be read; error responses then carry an OPT too (RFC 6891 §7). */
  edns?: EdnsInfo
}

export function isQueryProblem(value: ParsedQuery | QueryProblem): value is QueryProblem {
  return 'problem' in value
}

const RESPONSE_BIT = 0x8000
// One per process (and per worker): a memo of question names, so a name asked again reuses its key.
const questionNames = new NameMemo()

/**
 * The fast path for what resolvers send: one question with an uncompressed name, no answer or
 * authority records, and at most one additional record, an OPT at the root. Never throws.
 */
export function parseQuery(msg: Buffer): ParsedQuery | QueryProblem {
  const length = msg.length
  if (length < HEADER_BYTES) return { problem: 'ignore', detail: 'short-header' }
  const flags = u16(msg, 2)
  if ((flags & RESPONSE_BIT) !== 0) return { problem: 'ignore', detail: 'response' }
  const id = u16(msg, 0)
  const opcode = (flags >> 11) & 0xf
  if (u16(msg, 4) !== 1) return headerProblem(opcode, 'qdcount', id, flags, msg)
  const qnameEnd = uncompressedNameEnd(msg, HEADER_BYTES)
  if (qnameEnd < 0) return headerProblem(opcode, 'qname', id, flags, msg)
  const questionEnd = qnameEnd + 4
  if (questionEnd > length) return headerProblem(opcode, 'question-truncated', id, flags, msg)
  if (opcode !== 0) return questionProblem('notimp', 'opcode', id, flags, questionEnd, scanOpt(msg))
  const arcount = u16(msg, 10)
  if (u16(msg, 6) !== 0 || u16(msg, 8) !== 0 || arcount > 1) {
    return questionProblem('slow', 'sections', id, flags, questionEnd)
  }
  let edns: EdnsInfo | undefined
  if (arcount === 1) {
    const fixed = questionEnd + 1
    if (fixed + OPT_FIXED_BYTES > length) {
      return questionProblem('formerr', 'additional-truncated', id, flags, questionEnd)
    }
    if (msg[questionEnd] !== 0 || u16(msg, fixed) !== RRType.OPT) {
      return questionProblem('slow', 'additional', id, flags, questionEnd)
    }
    const opt = parseOpt(msg, fixed, length)
    if ('problem' in opt) return questionProblem(opt.problem, opt.detail, id, flags, questionEnd, opt.edns)
    edns = opt
    if (fixed + OPT_FIXED_BYTES + u16(msg, fixed + 8) !== length) {
      return questionProblem('formerr', 'trailing-bytes', id, flags, questionEnd, { ...edns, ecs: undefined })
    }
  } else if (questionEnd !== length) {
    return questionProblem('formerr', 'trailing-bytes', id, flags, questionEnd)
  }
  const qclass = u16(msg, qnameEnd + 2)
  if (qclass !== RRClass.IN) return questionProblem('slow', 'qclass', id, flags, questionEnd)
  const qnameKey = questionNames.keyOf(msg, HEADER_BYTES, qnameEnd)
  return new FastQuery(id, flags, opcode, qnameKey, qnameEnd, u16(msg, qnameEnd), qclass, edns, questionEnd)
}

/**
 * What parseQuery returns: a class whose fields are all assigned in the constructor, so V8
 * allocates it like a struct and shares the getter. The same fields in an object literal with
 * `get qname()` cost about 1.5 µs per query here (a new accessor pair each time), and declared
 * class fields (define semantics) cost about 0.2 µs; hence `declare`.
 */
class FastQuery implements ParsedQuery {
  declare readonly id: number
  declare readonly flags: number
  declare readonly rd: boolean
  declare readonly cd: boolean
  declare readonly opcode: number
  declare readonly qnameKey: string
  declare readonly qnameStart: typeof HEADER_BYTES
  declare readonly qnameEnd: number
  declare readonly qtype: number
  declare readonly qclass: number
  declare readonly edns: EdnsInfo | undefined
  declare readonly questionEnd: number

  constructor(
    id: number,
    flags: number,
    opcode: number,
    qnameKey: string,
    qnameEnd: number,
    qtype: number,
    qclass: number,
    edns: EdnsInfo | undefined,
    questionEnd: number,
  ) {
    this.id = id
    this.flags = flags
    this.rd = (flags & 0x0100) !== 0
    this.cd = (flags & 0x0010) !== 0
    this.opcode = opcode
    this.qnameKey = qnameKey
    this.qnameStart = HEADER_BYTES
    this.qnameEnd = qnameEnd
    this.qtype = qtype
    this.qclass = qclass
    this.edns = edns
    this.questionEnd = questionEnd
  }

  /** Only logs read the presentation name; the answer path looks up by key, so it is built on demand. */
  get qname(): string {
    return nameOfKey(this.qnameKey)
  }
}

/**
 * Before the question is known: a FORMERR, unless the opcode is not QUERY at all (then NOTIMP); with
 * the query's OPT when one can still be found, so the answer carries one (RFC 6891 §7).
 */
function headerProblem(opcode: number, detail: string, id: number, flags: number, msg: Buffer): QueryProblem {
  const edns = scanOpt(msg)
  return opcode !== 0
    ? { problem: 'notimp', detail: 'opcode', id, flags, edns }
    : { problem: 'formerr', detail, id, flags, edns }
}

function questionProblem(
  problem: QueryProblem['problem'],
  detail: string,
  id: number,
  flags: number,
  questionEnd: number,
  edns?: EdnsInfo,
): QueryProblem {
  return { problem, detail, id, flags, question: { start: HEADER_BYTES, end: questionEnd }, edns }
}
