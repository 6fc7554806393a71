import { InvalidArgumentError } from '@nines/core'
import { z } from 'zod'
import {
  CLASSIC_UDP_BYTES,
  DEFAULT_MAX_UDP_PAYLOAD,
  HEADER_BYTES,
  MAX_MESSAGE_BYTES,
  Rcode,
} from './constants.js'
import { responseOptBytes, writeOpt } from './edns.js'
import type { ParsedQuery, QueryProblem } from './query.js'
import { EMPTY_BODY, type PrecomputedBody } from './records.js'
import { copyBytes, putU16, u16 } from './bytes.js'

export type ResponseLimits = {
  /** The UDP payload size we advertise and accept at most (Flag Day 2020: 1232). */
  maxUdpPayload: number
  transport: 'udp' | 'tcp'
  /** Our NSID option (nsidOption), sent only to queries whose OPT asks for it (RFC 5001). */
  nsid?: Buffer
}

export type Answer = {
  rcode: number
  aa: boolean
  body: PrecomputedBody
  /** ECS SCOPE PREFIX-LENGTH for the echo (RFC 7871 §7.2.1); 0 = valid for every client. */
  ecsScope?: number
}

/** The configuration schema for our advertised UDP payload size (RFC 6891 §6.2.5; Flag Day 2020). */
export const maxUdpPayloadSchema = z
  .number()
  .int()
  .min(CLASSIC_UDP_BYTES)
  .max(4096)
  .default(DEFAULT_MAX_UDP_PAYLOAD)

export const DEFAULT_RESPONSE_LIMITS: ResponseLimits = Object.freeze({
  maxUdpPayload: DEFAULT_MAX_UDP_PAYLOAD,
  transport: 'udp',
})

// Header flag bits (RFC 1035 §4.1.1, RFC 4035 §3.2 for CD).
const QR = 0x8000
const OPCODE_MASK = 0x7800
const AA = 0x0400
const TC = 0x0200
const RD = 0x0100
const CD = 0x0010

/**
 * The response to `query` (whose bytes are `msg`): the header, the question copied verbatim (the
 * client's casing echoed), the precomputed body and, when the query had EDNS, our OPT with DO and
 * ECS echoed. A UDP response larger than the client's budget (EDNS: max(512, min(client, ours)),
 * else 512) is sent as header + question + OPT with TC=1, never cut mid-record. One allocation.
 * Throws InvalidArgumentError only if `body` was compiled for a question of another length (a bug).
 */
export function writeResponse(
  query: ParsedQuery,
  msg: Buffer,
  answer: Answer,
  limits: ResponseLimits,
): Buffer {
  const { body } = answer
  const questionEnd = query.questionEnd
  if (body.bodyOffset !== null && body.bodyOffset !== questionEnd) {
    throw new InvalidArgumentError(
      `answer.body: compiled for a body at offset ${body.bodyOffset}, but this question ends at ${questionEnd}`,
    )
  }
  const edns = query.edns
  const ecs = edns?.ecs
  const nsid = edns?.nsid === true ? limits.nsid : undefined
  const optBytes = edns ? responseOptBytes(ecs, nsid) : 0
  let budget = MAX_MESSAGE_BYTES
  if (limits.transport === 'udp') {
    budget = edns
      ? Math.max(CLASSIC_UDP_BYTES, Math.min(edns.udpPayloadSize, limits.maxUdpPayload))
      : CLASSIC_UDP_BYTES
  }
  const truncated = questionEnd + body.bytes.length + optBytes > budget
  const size = questionEnd + (truncated ? 0 : body.bytes.length) + optBytes
  const out = Buffer.allocUnsafe(size)
  const rcode = edns || answer.rcode <= 15 ? answer.rcode : Rcode.SERVFAIL
  writeHeader(out, query.id, query.flags, answer.aa, truncated, rcode)
  putU16(out, 4, 1)
  putU16(out, 6, truncated ? 0 : body.ancount)
  putU16(out, 8, truncated ? 0 : body.nscount)
  putU16(out, 10, (truncated ? 0 : body.arcount) + (edns ? 1 : 0))
  copyBytes(msg, HEADER_BYTES, questionEnd, out, HEADER_BYTES)
  let p = questionEnd
  if (!truncated) {
    // TypedArray#set is a plain memmove; Buffer#copy validates and allocates a view first.
    out.set(body.bytes, p)
    p += body.bytes.length
  }
  if (edns) writeOpt(out, p, ourUdpPayload(limits), rcode, edns.doBit, msg, ecs, answer.ecsScope ?? 0, nsid)
  return out
}

/**
 * An error response (FORMERR, NOTIMP, REFUSED, SERVFAIL, BADVERS = 16, ...) to a problem or a parsed
 * query: the question echoed when it could be parsed (else QDCOUNT 0), an OPT when the query had one
 * (the extended rcode goes there; without EDNS a rcode above 15 becomes SERVFAIL). A parsed query's
 * ECS is echoed with scope 0. Returns null for `ignore`: never answer a response or a runt. Never
 * throws.
 */
export function writeError(
  msg: Buffer,
  from: ParsedQuery | QueryProblem,
  rcode: number,
  limits: ResponseLimits = DEFAULT_RESPONSE_LIMITS,
): Buffer | null {
  if (!('problem' in from)) return writeResponse(from, msg, { rcode, aa: false, body: EMPTY_BODY }, limits)
  if (from.problem === 'ignore' || msg.length < HEADER_BYTES) return null
  const questionEnd = from.question ? from.question.end : HEADER_BYTES
  const edns = from.edns
  const out = Buffer.allocUnsafe(questionEnd + (edns ? responseOptBytes(undefined) : 0))
  const code = edns || rcode <= 15 ? rcode : Rcode.SERVFAIL
  writeHeader(out, u16(msg, 0), u16(msg, 2), false, false, code)
  putU16(out, 4, from.question ? 1 : 0)
  out.writeUInt32BE(0, 6)
  putU16(out, 10, edns ? 1 : 0)
  copyBytes(msg, HEADER_BYTES, questionEnd, out, HEADER_BYTES)
  if (edns) writeOpt(out, questionEnd, ourUdpPayload(limits), code, edns.doBit, msg, undefined, 0)
  return out
}

/** ID echoed; QR=1; opcode, RD and CD copied; RA, Z and AD clear; the low 4 bits of the rcode. */
function writeHeader(
  out: Buffer,
  id: number,
  queryFlags: number,
  aa: boolean,
  tc: boolean,
  rcode: number,
): void {
  putU16(out, 0, id)
  putU16(out, 2, QR | (queryFlags & (OPCODE_MASK | RD | CD)) | (aa ? AA : 0) | (tc ? TC : 0) | (rcode & 0xf))
}

function ourUdpPayload(limits: ResponseLimits): number {
  return Math.max(CLASSIC_UDP_BYTES, Math.min(limits.maxUdpPayload | 0, MAX_MESSAGE_BYTES))
}

/** The rcode a problem is answered with, or null for `ignore`. `slow` means slowParse was skipped: SERVFAIL. */
export function rcodeForProblem(problem: QueryProblem): number | null {
  switch (problem.problem) {
    case 'ignore':
      return null
    case 'formerr':
      return Rcode.FORMERR
    case 'notimp':
      return Rcode.NOTIMP
    case 'badvers':
      return Rcode.BADVERS
    case 'slow':
      return Rcode.SERVFAIL
  }
}
