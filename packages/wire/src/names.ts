import { domainToASCII } from 'node:url'
import { InvalidArgumentError } from '@nines/core'
import { MAX_LABEL_BYTES, MAX_NAME_BYTES } from './constants.js'

const NON_ASCII = /[\u0080-\uffff]/
// WHATWG host parsing silently cuts a host at `/`, `?`, `#`..., so IDN input may only mix in these.
const IDN_ASCII_OK = /^[\u0080-\uffffA-Za-z0-9._*-]*$/
// Label characters printed as-is in presentation form (RFC 1035 §5.1 escapes the rest).
const PLAIN_LABEL = /^[\x21-\x2d\x2f-\x5b\x5d-\x7e]*$/

/**
 * The wire form of a presentation name (`app.nines.test`, trailing dot optional, `.` is the root).
 * Non-ASCII names are converted with IDNA first; ASCII names are taken as they are (WHATWG host
 * parsing would turn `10` into `0.0.0.10`). Case is preserved. Throws InvalidArgumentError:
 * names come from configuration.
 */
export function encodeName(name: string): Buffer {
  if (name === '.') return Buffer.from([0])
  let ascii = name
  if (NON_ASCII.test(name)) {
    ascii = IDN_ASCII_OK.test(name) ? domainToASCII(name) : ''
    if (ascii === '')
      throw new InvalidArgumentError(`name ${JSON.stringify(name)}: not a valid IDN host name`)
  }
  const labels = (ascii.endsWith('.') ? ascii.slice(0, -1) : ascii).split('.')
  let size = 1
  for (const label of labels) {
    if (label.length === 0) throw new InvalidArgumentError(`name ${JSON.stringify(name)}: empty label`)
    if (label.length > MAX_LABEL_BYTES) {
      throw new InvalidArgumentError(
        `name ${JSON.stringify(name)}: label ${JSON.stringify(label)} is ${label.length} bytes, at most ${MAX_LABEL_BYTES}`,
      )
    }
    if (hasBadLabelChar(label)) {
      throw new InvalidArgumentError(
        `name ${JSON.stringify(name)}: label ${JSON.stringify(label)} has whitespace, a control character or a backslash`,
      )
    }
    size += label.length + 1
  }
  if (size > MAX_NAME_BYTES) {
    throw new InvalidArgumentError(
      `name ${JSON.stringify(name)}: ${size} bytes on the wire, at most ${MAX_NAME_BYTES}`,
    )
  }
  const wire = Buffer.allocUnsafe(size)
  let p = 0
  for (const label of labels) {
    wire[p++] = label.length
    p += wire.write(label, p, 'latin1')
  }
  wire[p] = 0
  return wire
}

// Config names are host names; backslash escapes, whitespace and control characters are not supported.
function hasBadLabelChar(label: string): boolean {
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i)
    if (c <= 0x20 || c === 0x7f || c === 0x5c) return true
  }
  return false
}

/**
 * A lookup key for the uncompressed wire name in `buf[start, end)`: its bytes as a latin1 string
 * with ASCII letters lowercased. DNS folds ASCII only (RFC 4343), so bytes >= 0x80 stay as they are
 * (`String#toLowerCase` would also fold latin1 0xC0-0xDE). The key of a parent name is a suffix of
 * the key, starting at a label boundary (see parentKey).
 */
export function nameKey(buf: Buffer, start: number, end: number): string {
  let upper = false
  let high = false
  for (let i = start; i < end; i++) {
    const b = buf[i]!
    if (b >= 0x41 && b <= 0x5a) upper = true
    else if (b >= 0x80) high = true
  }
  const raw = buf.toString('latin1', start, end)
  if (!upper) return raw
  if (!high) return raw.toLowerCase()
  const codes = new Array<number>(end - start)
  for (let i = start; i < end; i++) {
    const b = buf[i]!
    codes[i - start] = b >= 0x41 && b <= 0x5a ? b | 0x20 : b
  }
  return String.fromCharCode(...codes)
}

/** nameKey of a presentation name, for building lookup tables at config time; throws like encodeName. */
export function nameKeyOf(name: string): string {
  const wire = encodeName(name)
  return nameKey(wire, 0, wire.length)
}

/** The key of the parent name (`nines.test` for `app.nines.test`), or null for the root. */
export function parentKey(key: string): string | null {
  const length = key.charCodeAt(0)
  return length > 0 ? key.slice(length + 1) : null
}

/**
 * The presentation form of a key, without the trailing dot (`.` for the root); lowercase like the
 * key. Dots, backslashes and unprintable bytes inside a label are escaped (`\.`, `\\`, `\DDD`) so
 * two different wire names never print the same.
 */
export function nameOfKey(key: string): string {
  let out = ''
  let i = 0
  for (;;) {
    const length = key.charCodeAt(i)
    if (!(length > 0)) break
    const label = key.slice(i + 1, i + 1 + length)
    if (out !== '') out += '.'
    out += PLAIN_LABEL.test(label) ? label : escapeLabel(label)
    i += length + 1
  }
  return out === '' ? '.' : out
}

function escapeLabel(label: string): string {
  let out = ''
  for (let i = 0; i < label.length; i++) {
    const c = label.charCodeAt(i)
    if (c === 0x2e || c === 0x5c) out += '\\' + label[i]
    else if (c < 0x21 || c > 0x7e) out += '\\' + String(c).padStart(3, '0')
    else out += label[i]
  }
  return out
}

/**
 * The offset just after the uncompressed name starting at `start`, or -1 when the name is not a
 * plain label sequence inside `buf[0, limit)`: a compression pointer, a reserved label type, more
 * than 255 bytes, or running past the end. Never throws.
 */
export function uncompressedNameEnd(buf: Buffer, start: number, limit: number = buf.length): number {
  const max = Math.min(limit, start + MAX_NAME_BYTES)
  let p = start
  while (p < max) {
    const length = buf[p]!
    if (length === 0) return p + 1
    if (length > MAX_LABEL_BYTES) return -1
    p += length + 1
  }
  return -1
}
