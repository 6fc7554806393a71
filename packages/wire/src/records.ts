import { InvalidArgumentError } from '@nines/core'
import { parseIPv4, parseIPv6 } from './address.js'
import {
  HEADER_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_NAME_BYTES,
  MAX_POINTER_OFFSET,
  RRClass,
  RRType,
} from './constants.js'
import { encodeName, nameKey } from './names.js'

type Rec<T extends string, D> = { name: string; type: T; ttlSec: number; data: D }

export type MxData = { preference: number; exchange: string }
export type SrvData = { priority: number; weight: number; port: number; target: string }
export type SoaData = {
  mname: string
  rname: string
  serial: number
  refresh: number
  retry: number
  expire: number
  minimum: number
}
export type CaaData = { flags: number; tag: string; value: string }

/** A resource record to precompute (class IN). Names are presentation names, as in encodeName. */
export type WireRecord =
  | Rec<'A' | 'AAAA', string>
  | Rec<'CNAME' | 'NS' | 'PTR', string>
  | Rec<'MX', MxData>
  /** Each string longer than 255 bytes (UTF-8) is split into 255-byte character-strings. */
  | Rec<'TXT', readonly string[]>
  | Rec<'SRV', SrvData>
  | Rec<'SOA', SoaData>
  | Rec<'CAA', CaaData>

export type WireRecordType = WireRecord['type']

/**
 * The answer, authority and additional sections of a response, ready to be copied after a question.
 * `bodyOffset` is where the body must start in the message for its compression pointers to be right
 * (12 + the question name's wire length + 4), or null when the body has no pointers and fits after
 * any question.
 */
export type PrecomputedBody = {
  bytes: Buffer
  ancount: number
  nscount: number
  arcount: number
  bodyOffset: number | null
}

export type BodySections = {
  answers?: readonly WireRecord[]
  authorities?: readonly WireRecord[]
  additionals?: readonly WireRecord[]
}

export const EMPTY_BODY: PrecomputedBody = Object.freeze({
  bytes: Buffer.alloc(0),
  ancount: 0,
  nscount: 0,
  arcount: 0,
  bodyOffset: null,
})

const MAX_TTL_SEC = 0x7fffffff
// Room kept for the largest OPT we answer with (root, fixed part, ECS echo with an IPv6 /128).
const MAX_RESPONSE_OPT_BYTES = 1 + 10 + 8 + 16
const SECTIONS = ['answer', 'authority', 'additional'] as const
type Section = (typeof SECTIONS)[number]
const TYPE_CODES: Partial<Record<string, number>> = {
  A: RRType.A,
  AAAA: RRType.AAAA,
  CNAME: RRType.CNAME,
  NS: RRType.NS,
  PTR: RRType.PTR,
  MX: RRType.MX,
  TXT: RRType.TXT,
  SRV: RRType.SRV,
  SOA: RRType.SOA,
  CAA: RRType.CAA,
} satisfies Record<WireRecordType, number>
const CAA_TAG = /^[A-Za-z0-9]{1,15}$/

/** What a body is encoded for: a question name, any question (null), or any name a wildcard covers. */
export type BodyQuestion = string | null | { readonly wildcard: string }

/**
 * Encodes records for one question name into a PrecomputedBody. Names are compressed against the
 * question name at offset 12 and against names already written, so an owner equal to the question
 * name becomes the pointer 0xC00C and echoes the client's casing. With `questionName` null nothing is
 * compressed and the body fits after any question (negative answers for names we only know by zone).
 * With `{ wildcard }` it fits any question too, and records owned by the wildcard name are written as
 * owned by the question (the pointer 0xC00C): answers synthesized from a wildcard (RFC 4592).
 * Records must be added section by section, in order. Misuse throws InvalidArgumentError (and
 * leaves the writer unusable).
 */
export class BodyWriter {
  readonly bodyOffset: number | null
  private buf = Buffer.allocUnsafe(512)
  private length = 0
  private readonly counts = [0, 0, 0]
  private section = 0
  // nameKey of every name suffix written so far → its offset in the message.
  private readonly suffixes = new Map<string, number>()
  private readonly wildcard: string | undefined

  constructor(questionName: BodyQuestion, bodyOffset?: number) {
    if (questionName === null || typeof questionName === 'object') {
      this.bodyOffset = null
      this.wildcard = questionName?.wildcard
      return
    }
    const question = encodeName(questionName)
    const expected = HEADER_BYTES + question.length + 4
    if (bodyOffset !== undefined && bodyOffset !== expected) {
      throw new InvalidArgumentError(
        `bodyOffset: expected ${expected} for question ${JSON.stringify(questionName)}, got ${bodyOffset}`,
      )
    }
    this.bodyOffset = expected
    this.remember(question, HEADER_BYTES, question.length)
  }

  add(section: Section, record: WireRecord): this {
    const index = SECTIONS.indexOf(section)
    if (index < this.section) {
      throw new InvalidArgumentError(
        `section: ${section} records must come before ${SECTIONS[this.section]} records`,
      )
    }
    this.section = index
    if (this.counts[index] === 0xffff)
      throw new InvalidArgumentError(`section: more than 65535 ${section} records`)
    this.writeRecord(record)
    this.counts[index]!++
    const limit =
      MAX_MESSAGE_BYTES - MAX_RESPONSE_OPT_BYTES - (this.bodyOffset ?? HEADER_BYTES + MAX_NAME_BYTES + 4)
    if (this.length > limit) {
      throw new InvalidArgumentError(
        `records: the body is ${this.length} bytes, more than fits a message (${limit})`,
      )
    }
    return this
  }

  finish(): PrecomputedBody {
    return {
      bytes: Buffer.from(this.buf.subarray(0, this.length)),
      ancount: this.counts[0]!,
      nscount: this.counts[1]!,
      arcount: this.counts[2]!,
      bodyOffset: this.bodyOffset,
    }
  }

  private writeRecord(record: WireRecord): void {
    const ttlSec = record.ttlSec
    // dns2 turns -1 into 2^31-1: a TTL arithmetic bug would become a 68-year cache entry.
    if (!Number.isFinite(ttlSec) || ttlSec < 0) {
      throw new InvalidArgumentError(`ttlSec of ${record.type} ${record.name}: expected >= 0, got ${ttlSec}`)
    }
    const typeCode = TYPE_CODES[record.type]
    if (typeCode === undefined)
      throw new InvalidArgumentError(`type: unsupported record type ${JSON.stringify(record.type)}`)
    if (record.name === this.wildcard) this.u16(0xc000 | HEADER_BYTES, 'pointer')
    else this.writeName(record.name, true)
    this.u16(typeCode, 'type')
    this.u16(RRClass.IN, 'class')
    this.u32(Math.min(Math.floor(ttlSec), MAX_TTL_SEC), 'ttlSec')
    const rdlengthAt = this.length
    this.u16(0, 'rdlength')
    this.writeRdata(record)
    const rdlength = this.length - rdlengthAt - 2
    if (rdlength > 0xffff)
      throw new InvalidArgumentError(
        `data of ${record.type} ${record.name}: ${rdlength} bytes, at most 65535`,
      )
    this.buf.writeUInt16BE(rdlength, rdlengthAt)
  }

  private writeRdata(record: WireRecord): void {
    const what = `data of ${record.type} ${record.name}`
    switch (record.type) {
      case 'A':
      case 'AAAA': {
        const bytes = record.type === 'A' ? parseIPv4(record.data) : parseIPv6(record.data)
        if (!bytes)
          throw new InvalidArgumentError(
            `${what}: not an IPv${record.type === 'A' ? 4 : 6} literal: ${JSON.stringify(record.data)}`,
          )
        return this.bytes(bytes)
      }
      case 'CNAME':
      case 'NS':
      case 'PTR':
        return this.writeName(record.data, true)
      case 'MX':
        this.u16(record.data.preference, `${what}.preference`)
        return this.writeName(record.data.exchange, true)
      case 'TXT':
        return this.writeTxt(record.data, what)
      case 'SRV':
        this.u16(record.data.priority, `${what}.priority`)
        this.u16(record.data.weight, `${what}.weight`)
        this.u16(record.data.port, `${what}.port`)
        // RFC 2782: the SRV target is never compressed.
        return this.writeName(record.data.target, false)
      case 'SOA': {
        const soa = record.data
        this.writeName(soa.mname, true)
        this.writeName(soa.rname, true)
        for (const field of ['serial', 'refresh', 'retry', 'expire', 'minimum'] as const) {
          this.u32(soa[field], `${what}.${field}`)
        }
        return
      }
      case 'CAA': {
        const { flags, tag, value } = record.data
        this.u8(flags, `${what}.flags`)
        if (!CAA_TAG.test(tag))
          throw new InvalidArgumentError(
            `${what}.tag: expected 1-15 letters or digits, got ${JSON.stringify(tag)}`,
          )
        this.u8(tag.length, `${what}.tag`)
        this.bytes(Buffer.from(tag, 'latin1'))
        return this.bytes(Buffer.from(value, 'utf8'))
      }
    }
  }

  private writeTxt(strings: readonly string[], what: string): void {
    if (strings.length === 0) throw new InvalidArgumentError(`${what}: expected at least one string`)
    for (const text of strings) {
      const bytes = Buffer.from(text, 'utf8')
      let p = 0
      do {
        const chunk = bytes.subarray(p, p + 255)
        this.u8(chunk.length, what)
        this.bytes(chunk)
        p += 255
      } while (p < bytes.length)
    }
  }

  private writeName(name: string, compress: boolean): void {
    const wire = encodeName(name)
    if (compress && this.bodyOffset !== null) {
      for (let i = 0; wire[i] !== 0; i += wire[i]! + 1) {
        const target = this.suffixes.get(nameKey(wire, i, wire.length))
        if (target === undefined) continue
        const start = this.length
        this.bytes(wire.subarray(0, i))
        this.u16(0xc000 | target, 'pointer')
        this.remember(wire, this.bodyOffset + start, i)
        return
      }
      this.remember(wire, this.bodyOffset + this.length, wire.length)
    }
    this.bytes(wire)
  }

  /**
   * Notes that the name `wire`, written at message offset `at`, has its suffixes starting before
   * index `stop` in place there (the rest may be a pointer). Offsets past 0x3FFF cannot be pointed at.
   */
  private remember(wire: Buffer, at: number, stop: number): void {
    for (let i = 0; i < stop && wire[i] !== 0; i += wire[i]! + 1) {
      if (at + i > MAX_POINTER_OFFSET) return
      const key = nameKey(wire, i, wire.length)
      if (!this.suffixes.has(key)) this.suffixes.set(key, at + i)
    }
  }

  private grow(extra: number): void {
    if (this.length + extra <= this.buf.length) return
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + extra))
    this.buf.copy(next, 0, 0, this.length)
    this.buf = next
  }

  private bytes(bytes: Buffer): void {
    this.grow(bytes.length)
    this.length += bytes.copy(this.buf, this.length)
  }

  private u8(value: number, what: string): void {
    checkInt(value, 0xff, what)
    this.grow(1)
    this.buf[this.length++] = value
  }

  private u16(value: number, what: string): void {
    checkInt(value, 0xffff, what)
    this.grow(2)
    this.length = this.buf.writeUInt16BE(value, this.length)
  }

  private u32(value: number, what: string): void {
    checkInt(value, 0xffffffff, what)
    this.grow(4)
    this.length = this.buf.writeUInt32BE(value, this.length)
  }
}

function checkInt(value: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new InvalidArgumentError(`${what}: expected an integer 0..${max}, got ${value}`)
  }
}

/** One-shot BodyWriter: answers, then authorities, then additionals. */
export function encodeBody(
  sections: BodySections,
  questionName: BodyQuestion,
  bodyOffset?: number,
): PrecomputedBody {
  const writer = new BodyWriter(questionName, bodyOffset)
  for (const record of sections.answers ?? []) writer.add('answer', record)
  for (const record of sections.authorities ?? []) writer.add('authority', record)
  for (const record of sections.additionals ?? []) writer.add('additional', record)
  return writer.finish()
}
