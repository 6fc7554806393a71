import { isIPv6 } from 'node:net'
import { domainToASCII } from 'node:url'
import { Packet, type Question, type Resource } from 'dns2'
import type { DnsCheck } from '../check.js'

/** The question a DNS probe asks, and what the answer must be. */
export interface DnsQuestion {
  readonly id: number
  /** ASCII (punycode) name without the trailing dot. */
  readonly name: string
  readonly type: number
}

export interface DnsExpectation {
  readonly rcode: DnsCheck['expectRcode']
  readonly answer: string | undefined
}

/** What one received message means for the probe. */
export type ReplyVerdict =
  | { readonly kind: 'ignore' }
  | { readonly kind: 'truncated' }
  | { readonly kind: 'result'; readonly ok: boolean; readonly detail: string }

const ignore: ReplyVerdict = { kind: 'ignore' }
const malformed: ReplyVerdict = { kind: 'result', ok: false, detail: 'malformed reply' }

export const dnsTypeCode: Readonly<Record<DnsCheck['type'], number>> = {
  A: Packet.TYPE.A,
  AAAA: Packet.TYPE.AAAA,
  CNAME: Packet.TYPE.CNAME,
  MX: Packet.TYPE.MX,
  NS: Packet.TYPE.NS,
  SOA: Packet.TYPE.SOA,
  SRV: Packet.TYPE.SRV,
  TXT: Packet.TYPE.TXT,
}

// First name wins where two share a code (BADVERS/BADSIG).
const rcodeNames = new Map<number, string>()
for (const [name, code] of Object.entries(Packet.RCODE)) if (!rcodeNames.has(code)) rcodeNames.set(code, name)

export function rcodeName(code: number): string {
  return rcodeNames.get(code) ?? String(code)
}

/** Non-ASCII names go out as punycode (dns2 would mangle them); the trailing dot is dropped. */
export function queryName(name: string): string {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name
  return domainToASCII(bare) || bare
}

/** A query with recursion desired and no EDNS, so a large answer truncates at 512 bytes over UDP. */
export function encodeQuery(question: DnsQuestion): Buffer {
  const packet = new Packet()
  packet.header.id = question.id
  packet.header.rd = 1
  packet.questions.push(new Packet.Question(question.name, question.type, Packet.CLASS.IN))
  return packet.toBuffer()
}

/**
 * Judges one message received for `question`. Messages with another ID are ignored (late replies to
 * earlier probes); a message with our ID that is not a well-formed reply to our question is `malformed
 * reply`. Over UDP, TC=1 asks for the TCP fallback.
 */
export function judgeReply(
  message: Buffer,
  question: DnsQuestion,
  expectation: DnsExpectation,
  transport: 'udp' | 'tcp',
): ReplyVerdict {
  if (message.length < 2 || message.readUInt16BE(0) !== question.id) return ignore
  let reply: Packet
  try {
    reply = Packet.parse(message)
  } catch {
    return malformed
  }
  const { header } = reply
  if (header.qr !== 1 || reply.errors.length > 0) return malformed
  const echoed = reply.questions[0]
  if (echoed === undefined ? header.rcode === Packet.RCODE.NOERROR : !sameQuestion(echoed, question)) {
    return malformed
  }
  if (header.tc === 1 && transport === 'udp') return { kind: 'truncated' }
  const rcode = rcodeName(header.rcode)
  if (rcode !== expectation.rcode) return { kind: 'result', ok: false, detail: `rcode ${rcode}` }
  const { answer } = expectation
  if (answer !== undefined && !reply.answers.some((record) => answerMatches(record, answer))) {
    return { kind: 'result', ok: false, detail: 'answer mismatch' }
  }
  return { kind: 'result', ok: true, detail: 'ok' }
}

function sameQuestion(echoed: Question, question: DnsQuestion): boolean {
  return (
    canonicalName(echoed.name) === canonicalName(question.name) &&
    echoed.type === question.type &&
    echoed.class === Packet.CLASS.IN
  )
}

/** Whether a record's data (address, target name, TXT text...) equals `expected`. */
export function answerMatches(record: Resource, expected: string): boolean {
  if (record.type === Packet.TYPE.TXT || record.type === Packet.TYPE.SPF) {
    const { data } = record
    return (Array.isArray(data) ? data.join('') : data) === expected
  }
  const value =
    record.address ?? record.domain ?? record.ns ?? record.exchange ?? record.target ?? record.primary
  return value !== undefined && canonicalName(value) === canonicalName(expected)
}

/** Names compare without case or trailing dot; IPv6 addresses in their compressed form. */
function canonicalName(value: string): string {
  if (isIPv6(value)) return new URL(`http://[${value}]/`).hostname.slice(1, -1)
  return (value.endsWith('.') ? value.slice(0, -1) : value).toLowerCase()
}
