import { RRType, Rcode } from './constants.js'
import { u16 } from './bytes.js'
import { BadMessageError } from './message.js'

/**
 * How long an HTTP cache may keep a reply (RFC 8484 §5.1): for NOERROR and NXDOMAIN, the smallest answer
 * TTL, else (a negative answer) min(SOA TTL, SOA minimum); `undefined` for other rcodes or no TTL at all.
 * It equals `answerTtl(decodeMessage(reply))` but only walks the bytes, without building records: every
 * DoH reply needs it, and a full decode was about 5 % of DoH CPU. Throws BadMessageError on a short or
 * overrunning message.
 */
export function scanCacheTtl(reply: Uint8Array): number | undefined {
  need(reply, 0, 12)
  const rcode = reply[3]! & 0x0f
  if (rcode !== Rcode.NOERROR && rcode !== Rcode.NXDOMAIN) return undefined
  let at = 12
  for (let i = u16(reply, 4); i > 0; i--) at = skipName(reply, at) + 4
  const answers = u16(reply, 6)
  let lowest: number | undefined
  for (let i = 0; i < answers; i++) {
    const fixed = skipName(reply, at)
    need(reply, fixed, 10)
    const ttl = u32(reply, fixed + 4)
    lowest = lowest === undefined ? ttl : Math.min(lowest, ttl)
    at = fixed + 10 + u16(reply, fixed + 8)
    need(reply, fixed + 10, at - fixed - 10)
  }
  if (lowest !== undefined) return lowest
  for (let i = u16(reply, 8); i > 0; i--) {
    const fixed = skipName(reply, at)
    need(reply, fixed, 10)
    const length = u16(reply, fixed + 8)
    const end = fixed + 10 + length
    need(reply, fixed + 10, length)
    if (u16(reply, fixed) === RRType.SOA) {
      // The minimum is the rdata's last 32 bits, after two names (1 byte at least) and four numbers.
      if (length < 22) throw new BadMessageError(`SOA rdata of ${length} bytes at offset ${fixed}`)
      return Math.min(u32(reply, fixed + 4), u32(reply, end - 4))
    }
    at = end
  }
  return undefined
}

function need(buf: Uint8Array, at: number, bytes: number): void {
  if (at + bytes > buf.length)
    throw new BadMessageError(`needs ${bytes} bytes at offset ${at}, the message has ${buf.length}`)
}

function u32(buf: Uint8Array, at: number): number {
  return ((buf[at]! << 24) >>> 0) + (buf[at + 1]! << 16) + (buf[at + 2]! << 8) + buf[at + 3]!
}

/** The offset after the name at `at`: its labels up to the root label or a compression pointer. */
function skipName(buf: Uint8Array, at: number): number {
  for (;;) {
    need(buf, at, 1)
    const length = buf[at]!
    if (length === 0) return at + 1
    if ((length & 0xc0) === 0xc0) {
      need(buf, at, 2)
      return at + 2
    }
    if ((length & 0xc0) !== 0) throw new BadMessageError(`bad label type at offset ${at}`)
    at += 1 + length
  }
}
