import { InvalidArgumentError } from '@nines/core'
import { formatIPv4, formatIPv6 } from '../wire/address.js'
import { u16 } from '../wire/bytes.js'
import { RRType, Rcode } from '../wire/constants.js'
import { encodeQuery } from '../wire/query-builder.js'
import { isQueryProblem, parseQuery } from '../wire/query.js'
import { writeResponse, type Answer } from '../wire/response.js'

/** One record in presentation form, as `dig` would print it (names without the trailing dot). */
export interface ExplainedRecord {
  readonly name: string
  readonly type: string
  readonly ttl: number
  readonly data: string
}

export interface DecodedAnswer {
  readonly rcode: number
  readonly aa: boolean
  readonly answers: readonly ExplainedRecord[]
  readonly authority: readonly ExplainedRecord[]
  readonly additional: readonly ExplainedRecord[]
}

const typeNames = new Map<number, string>(Object.entries(RRType).map(([name, code]) => [code, name]))
const rcodeNames = new Map<number, string>(Object.entries(Rcode).map(([name, code]) => [code, name]))

export function typeName(code: number): string {
  return typeNames.get(code) ?? `TYPE${code}`
}

export function rcodeName(code: number): string {
  return rcodeNames.get(code) ?? `RCODE${code}`
}

/**
 * The records of a precomputed answer to `name`/`qtype`: written into a whole response exactly as the
 * server writes it (over TCP, so never truncated) and read back, so what is shown is what is sent.
 */
export function decodeAnswer(name: string, qtype: number, answer: Answer): DecodedAnswer {
  const msg = encodeQuery({ name, type: qtype })
  const query = parseQuery(msg)
  if (isQueryProblem(query)) throw new InvalidArgumentError(`name ${JSON.stringify(name)}: ${query.detail}`)
  const reply = writeResponse(query, msg, answer, { maxUdpPayload: 4096, transport: 'tcp' })
  const counts = [u16(reply, 6), u16(reply, 8), u16(reply, 10)] as const
  let at = query.questionEnd
  const section = (count: number): ExplainedRecord[] =>
    Array.from({ length: count }, () => {
      const owner = readName(reply, at)
      const type = u16(reply, owner.end)
      const ttl = reply.readUInt32BE(owner.end + 4)
      const length = u16(reply, owner.end + 8)
      const start = owner.end + 10
      at = start + length
      return { name: owner.name, type: typeName(type), ttl, data: rdata(reply, type, start, length) }
    })
  return {
    rcode: reply[3]! & 0x0f,
    aa: (reply[2]! & 0x04) !== 0,
    answers: section(counts[0]),
    authority: section(counts[1]),
    additional: section(counts[2]),
  }
}

function rdata(buf: Buffer, type: number, start: number, length: number): string {
  const name = (at: number) => readName(buf, at).name
  switch (type) {
    case RRType.A:
      return formatIPv4(buf, start, length)
    case RRType.AAAA:
      return formatIPv6(buf, start, length)
    case RRType.NS:
    case RRType.CNAME:
    case RRType.PTR:
      return name(start)
    case RRType.MX:
      return `${u16(buf, start)} ${name(start + 2)}`
    case RRType.SRV:
      return `${u16(buf, start)} ${u16(buf, start + 2)} ${u16(buf, start + 4)} ${name(start + 6)}`
    case RRType.TXT: {
      const strings: string[] = []
      for (let at = start; at < start + length; at += 1 + buf[at]!)
        strings.push(JSON.stringify(buf.toString('latin1', at + 1, at + 1 + buf[at]!)))
      return strings.join(' ')
    }
    case RRType.SOA: {
      const mname = readName(buf, start)
      const rname = readName(buf, mname.end)
      const numbers = [0, 4, 8, 12, 16].map((offset) => buf.readUInt32BE(rname.end + offset))
      return [mname.name, rname.name, ...numbers].join(' ')
    }
    case RRType.CAA: {
      const tagLength = buf[start + 1]!
      const tag = buf.toString('latin1', start + 2, start + 2 + tagLength)
      const value = buf.toString('latin1', start + 2 + tagLength, start + length)
      return `${buf[start]} ${tag} ${JSON.stringify(value)}`
    }
    default:
      return `\\# ${length} ${buf.toString('hex', start, start + length)}`
  }
}

/** A possibly compressed name at `start`; `end` is where the record goes on. Our own bytes: trusted. */
function readName(buf: Buffer, start: number): { name: string; end: number } {
  const labels: string[] = []
  let at = start
  let end = -1
  for (let hops = 0; hops < 128; hops++) {
    const length = buf[at]!
    if (length >= 0xc0) {
      if (end < 0) end = at + 2
      at = ((length & 0x3f) << 8) | buf[at + 1]!
      continue
    }
    if (length === 0) return { name: labels.length > 0 ? labels.join('.') : '.', end: end < 0 ? at + 1 : end }
    labels.push(buf.toString('latin1', at + 1, at + 1 + length))
    at += 1 + length
  }
  throw new InvalidArgumentError(`answer: the name at offset ${start} loops`)
}
