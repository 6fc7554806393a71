import { NinesError } from '@nines/core'
import { formatIPv4, formatIPv6 } from './address.js'
import { u16 } from './bytes.js'
import { EdnsOptionCode, HEADER_BYTES, RRType } from './constants.js'

/** One record in presentation form, as `dig` prints it (names without the trailing dot). */
export interface DecodedRecord {
  readonly name: string
  readonly type: number
  readonly class: number
  readonly ttl: number
  /** Presentation form: `192.0.2.1`, `10 mail.example`, `"text" "more"`, `\# 3 0a0b0c` for unknown types. */
  readonly data: string
}

export interface DecodedQuestion {
  readonly name: string
  readonly type: number
  readonly class: number
}

export interface DecodedEdns {
  readonly udpPayloadSize: number
  readonly version: number
  readonly doBit: boolean
  /** The EDNS Client Subnet option, with the scope the server answered for. */
  readonly ecs?: { readonly address: string; readonly sourcePrefix: number; readonly scopePrefix: number }
}

/** A whole DNS message, every section decoded; the OPT record is `edns`, not in `additional`. */
export interface DecodedMessage {
  readonly id: number
  readonly qr: boolean
  readonly opcode: number
  readonly aa: boolean
  readonly tc: boolean
  readonly rd: boolean
  readonly ra: boolean
  readonly ad: boolean
  readonly cd: boolean
  /** With the OPT record's upper bits (RFC 6891 §6.1.3): BADVERS is 16. */
  readonly rcode: number
  readonly question: readonly DecodedQuestion[]
  readonly answers: readonly DecodedRecord[]
  readonly authority: readonly DecodedRecord[]
  readonly additional: readonly DecodedRecord[]
  readonly edns?: DecodedEdns
}

/** NINES_ERR_BAD_MESSAGE: the bytes are not a well-formed DNS message; the message says where. */
export class BadMessageError extends NinesError {
  constructor(message: string) {
    super('NINES_ERR_BAD_MESSAGE', message)
    this.name = 'BadMessageError'
  }
}

// A name has at most 127 labels; more pointer hops than that is a loop.
const MAX_NAME_HOPS = 128

/**
 * Decodes any DNS message, for clients and tools (the server's own path never decodes). Every offset is
 * bounds-checked: truncated, looping or overrunning input throws BadMessageError, never a RangeError.
 */
export function decodeMessage(buf: Uint8Array): DecodedMessage {
  const bytes = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  if (bytes.length < HEADER_BYTES)
    throw new BadMessageError(`message: ${bytes.length} bytes, shorter than a header`)
  const reader = new Reader(bytes)
  const counts = [u16(bytes, 4), u16(bytes, 6), u16(bytes, 8), u16(bytes, 10)] as const
  reader.at = HEADER_BYTES
  const question: DecodedQuestion[] = []
  for (let i = 0; i < counts[0]; i++) {
    const name = reader.name(reader.at)
    reader.at = name.end
    reader.need(4, 'question')
    question.push({ name: name.name, type: u16(bytes, reader.at), class: u16(bytes, reader.at + 2) })
    reader.at += 4
  }
  const answers = reader.section(counts[1], 'answer')
  const authority = reader.section(counts[2], 'authority')
  const additional = reader.section(counts[3], 'additional')
  const flags = u16(bytes, 2)
  return {
    id: u16(bytes, 0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0x0f,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    ad: (flags & 0x0020) !== 0,
    cd: (flags & 0x0010) !== 0,
    rcode: (reader.extendedRcode << 4) | (flags & 0x0f),
    question,
    answers,
    authority,
    additional,
    ...(reader.edns ? { edns: reader.edns } : {}),
  }
}

/**
 * How long a cache may keep this answer: the lowest TTL of the answer section or, for a negative answer,
 * the SOA's negative TTL (the lower of its TTL and MINIMUM, RFC 2308 §5). Undefined when neither applies.
 */
export function answerTtl(message: DecodedMessage): number | undefined {
  if (message.answers.length > 0) return Math.min(...message.answers.map((record) => record.ttl))
  const soa = message.authority.find((record) => record.type === RRType.SOA)
  if (soa === undefined) return undefined
  const minimum = Number(soa.data.split(' ')[6])
  return Number.isFinite(minimum) ? Math.min(soa.ttl, minimum) : soa.ttl
}

class Reader {
  at = 0
  extendedRcode = 0
  edns: DecodedEdns | undefined

  constructor(private readonly buf: Buffer) {}

  need(bytes: number, what: string, at = this.at): void {
    if (at + bytes > this.buf.length) {
      throw new BadMessageError(
        `${what}: needs ${bytes} bytes at offset ${at}, the message has ${this.buf.length}`,
      )
    }
  }

  section(count: number, what: string): DecodedRecord[] {
    const records: DecodedRecord[] = []
    for (let i = 0; i < count; i++) {
      const owner = this.name(this.at)
      this.need(10, `${what}[${i}]`, owner.end)
      const type = u16(this.buf, owner.end)
      const klass = u16(this.buf, owner.end + 2)
      const ttl = this.buf.readUInt32BE(owner.end + 4)
      const length = u16(this.buf, owner.end + 8)
      const start = owner.end + 10
      this.need(length, `${what}[${i}] rdata`, start)
      this.at = start + length
      if (type === RRType.OPT) {
        this.opt(klass, ttl, start, length)
        continue
      }
      records.push({ name: owner.name, type, class: klass, ttl, data: this.rdata(type, start, length) })
    }
    return records
  }

  /** A possibly compressed name at `start`; `end` is where the record goes on. */
  name(start: number): { name: string; end: number } {
    const labels: string[] = []
    let at = start
    let end = -1
    for (let hops = 0; hops < MAX_NAME_HOPS; hops++) {
      this.need(1, 'name', at)
      const length = this.buf[at]!
      if (length >= 0xc0) {
        this.need(2, 'name pointer', at)
        if (end < 0) end = at + 2
        at = ((length & 0x3f) << 8) | this.buf[at + 1]!
        continue
      }
      if (length > 63) throw new BadMessageError(`name: label type 0x${length.toString(16)} at offset ${at}`)
      if (length === 0)
        return { name: labels.length > 0 ? labels.join('.') : '.', end: end < 0 ? at + 1 : end }
      this.need(1 + length, 'label', at)
      labels.push(this.buf.toString('latin1', at + 1, at + 1 + length))
      at += 1 + length
    }
    throw new BadMessageError(`name: the name at offset ${start} loops`)
  }

  private opt(udpPayloadSize: number, ttl: number, start: number, length: number): void {
    this.extendedRcode = ttl >>> 24
    let ecs: DecodedEdns['ecs']
    for (let at = start; at + 4 <= start + length;) {
      const code = u16(this.buf, at)
      const size = u16(this.buf, at + 2)
      this.need(size, 'EDNS option', at + 4)
      if (code === EdnsOptionCode.ECS && size >= 4) {
        const family = u16(this.buf, at + 4)
        const bytes = Buffer.alloc(family === 1 ? 4 : 16)
        this.buf.copy(bytes, 0, at + 8, Math.min(at + 4 + size, at + 8 + bytes.length))
        ecs = {
          address: family === 1 ? formatIPv4(bytes, 0, 4) : formatIPv6(bytes, 0, 16),
          sourcePrefix: this.buf[at + 6]!,
          scopePrefix: this.buf[at + 7]!,
        }
      }
      at += 4 + size
    }
    this.edns = {
      udpPayloadSize,
      version: (ttl >>> 16) & 0xff,
      doBit: (ttl & 0x8000) !== 0,
      ...(ecs ? { ecs } : {}),
    }
  }

  private rdata(type: number, start: number, length: number): string {
    const buf = this.buf
    const name = (at: number): string => this.name(at).name
    const fixed = (bytes: number): void => this.need(bytes, `type ${type} rdata`, start)
    switch (type) {
      case RRType.A:
        return length === 4 ? formatIPv4(buf, start, length) : this.unknown(start, length)
      case RRType.AAAA:
        return length === 16 ? formatIPv6(buf, start, length) : this.unknown(start, length)
      case RRType.NS:
      case RRType.CNAME:
      case RRType.PTR:
        return name(start)
      case RRType.MX:
        fixed(2)
        return `${u16(buf, start)} ${name(start + 2)}`
      case RRType.SRV:
        fixed(6)
        return `${u16(buf, start)} ${u16(buf, start + 2)} ${u16(buf, start + 4)} ${name(start + 6)}`
      case RRType.TXT: {
        const strings: string[] = []
        for (let at = start; at < start + length; at += 1 + buf[at]!) {
          if (at + 1 + buf[at]! > start + length)
            throw new BadMessageError(`TXT: string overruns at offset ${at}`)
          strings.push(JSON.stringify(buf.toString('latin1', at + 1, at + 1 + buf[at]!)))
        }
        return strings.join(' ')
      }
      case RRType.SOA: {
        const mname = this.name(start)
        const rname = this.name(mname.end)
        this.need(20, 'SOA numbers', rname.end)
        const numbers = [0, 4, 8, 12, 16].map((offset) => buf.readUInt32BE(rname.end + offset))
        return [mname.name, rname.name, ...numbers].join(' ')
      }
      case RRType.CAA: {
        fixed(2)
        const tagLength = buf[start + 1]!
        if (2 + tagLength > length) throw new BadMessageError(`CAA: tag overruns at offset ${start}`)
        const tag = buf.toString('latin1', start + 2, start + 2 + tagLength)
        const value = buf.toString('latin1', start + 2 + tagLength, start + length)
        return `${buf[start]} ${tag} ${JSON.stringify(value)}`
      }
      default:
        return this.unknown(start, length)
    }
  }

  private unknown(start: number, length: number): string {
    return `\\# ${length} ${this.buf.toString('hex', start, start + length)}`
  }
}
