import { Packet } from 'dns2'
import { HEADER_BYTES, RRType } from './constants.js'
import { OPT_FIXED_BYTES, parseOpt, type EdnsInfo } from './edns.js'
import { nameKey, nameOfKey, uncompressedNameEnd } from './names.js'
import { parseQuery, type ParsedQuery, type QueryProblem } from './query.js'
import { scanOpt, skipName } from './scan-opt.js'

/**
 * The fallback for what parseQuery calls `slow`: dns2 decodes the whole message (any sections, any
 * class, a TSIG, ...) and this converts it to the same ParsedQuery shape, or a problem. The question
 * name and the OPT are still read from the raw bytes so keys, ECS echo and validation match the fast
 * path exactly. A TSIG is not verified; the query is answered unsigned. Never throws.
 */
export function slowParse(msg: Buffer): ParsedQuery | QueryProblem {
  const fast = parseQuery(msg)
  if (!('problem' in fast) || fast.problem !== 'slow') return fast
  // A `slow` problem always comes with a header and a parsed question.
  const { question } = fast
  const id = msg.readUInt16BE(0)
  const flags = msg.readUInt16BE(2)
  // A FORMERR carries an OPT whenever the query had a readable one (RFC 6891 §7).
  const fail = (detail: string, edns: EdnsInfo | undefined = scanOpt(msg)): QueryProblem => ({
    problem: 'formerr',
    detail,
    id,
    flags,
    question,
    edns,
  })
  let packet: Packet
  try {
    packet = Packet.parse(msg)
  } catch {
    return fail('malformed')
  }
  const q = packet.questions[0]
  if (!q || packet.header.qr || packet.errors.length > 0 || !question) return fail('malformed')
  const qnameEnd = uncompressedNameEnd(msg, HEADER_BYTES)
  if (qnameEnd < 0) return fail('qname')

  // Walk the records ourselves to find the OPT: dns2 keeps neither its offset nor COOKIE.
  const counts = [msg.readUInt16BE(6), msg.readUInt16BE(8), msg.readUInt16BE(10)] as const
  let p = question.end
  let optFixed = -1
  for (let section = 0; section < 3; section++) {
    for (let i = 0; i < counts[section]!; i++) {
      const owner = p
      const fixed = skipName(msg, p)
      if (fixed < 0 || fixed + OPT_FIXED_BYTES > msg.length) return fail('malformed')
      if (msg.readUInt16BE(fixed) === RRType.OPT) {
        if (section !== 2) return fail('opt-section')
        if (optFixed !== -1) return fail('opt-duplicate')
        if (fixed !== owner + 1) return fail('opt-name')
        optFixed = fixed
      }
      p = fixed + OPT_FIXED_BYTES + msg.readUInt16BE(fixed + 8)
      if (p > msg.length) return fail('malformed')
    }
  }
  let edns: EdnsInfo | undefined
  if (optFixed !== -1) {
    const opt = parseOpt(msg, optFixed, msg.length)
    if ('problem' in opt)
      return { problem: opt.problem, detail: opt.detail, id, flags, question, edns: opt.edns }
    edns = opt
  }
  if (p !== msg.length) return fail('trailing-bytes', edns && { ...edns, ecs: undefined })

  const qnameKey = nameKey(msg, HEADER_BYTES, qnameEnd)
  return {
    id: packet.header.id,
    flags,
    rd: packet.header.rd === 1,
    cd: (flags & 0x0010) !== 0,
    opcode: packet.header.opcode,
    qname: nameOfKey(qnameKey),
    qnameKey,
    qnameStart: HEADER_BYTES,
    qnameEnd,
    qtype: q.type,
    qclass: q.class,
    edns,
    questionEnd: question.end,
  }
}
