import { HEADER_BYTES, MAX_LABEL_BYTES, RRType } from './constants.js'
import { OPT_FIXED_BYTES, parseOpt, type EdnsInfo } from './edns.js'
import { u16 } from './bytes.js'

/** Offset after a possibly compressed name as it sits in place (labels, then a root or a pointer); -1 if broken. */
export function skipName(buf: Buffer, start: number): number {
  let p = start
  while (p < buf.length) {
    const length = buf[p]!
    if (length === 0) return p + 1
    if (length >= 0xc0) return p + 2 <= buf.length ? p + 2 : -1
    if (length > MAX_LABEL_BYTES) return -1
    p += length + 1
  }
  return -1
}

/**
 * The OPT of a message the parsers refused (FORMERR), when one can still be found: every question
 * and record walked by its lengths, exactly one OPT, owned by the root, in the additional section,
 * its fixed part and RDLENGTH inside the message. Its ECS is never echoed (it may be what is broken).
 * Only for error answers, which then carry an OPT as RFC 6891 §7 wants; never on the query path.
 */
export function scanOpt(msg: Buffer): EdnsInfo | undefined {
  if (msg.length < HEADER_BYTES) return undefined
  let p = HEADER_BYTES
  for (let i = u16(msg, 4); i > 0; i--) {
    p = skipName(msg, p)
    if (p < 0 || p + 4 > msg.length) return undefined
    p += 4
  }
  const before = u16(msg, 6) + u16(msg, 8)
  const total = before + u16(msg, 10)
  let found: EdnsInfo | undefined
  for (let i = 0; i < total; i++) {
    const owner = p
    const fixed = skipName(msg, p)
    if (fixed < 0 || fixed + OPT_FIXED_BYTES > msg.length) return found
    const end = fixed + OPT_FIXED_BYTES + u16(msg, fixed + 8)
    if (end > msg.length) return found
    if (u16(msg, fixed) === RRType.OPT) {
      if (i < before || fixed !== owner + 1 || found !== undefined) return undefined
      const opt = parseOpt(msg, fixed, end)
      found = { ...('problem' in opt ? opt.edns : opt), ecs: undefined }
    }
    p = end
  }
  return found
}
