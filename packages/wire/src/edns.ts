import { formatIPv4, formatIPv6 } from './address.js'
import { EcsFamily, EdnsOptionCode, RRType } from './constants.js'
import { copyBytes, putU16, u16 } from './bytes.js'

/** An EDNS Client Subnet option as the client sent it (RFC 7871 §6). */
export type EcsInfo = {
  family: 1 | 2
  sourcePrefix: number
  scopePrefix: number
  /** The prefix zero-padded to a full address: `203.0.113.0`, `2001:db8::`. */
  address: string
  /** Offset in the query of the option's FAMILY field; responses echo the address bytes from there. */
  dataOffset: number
}

export type EdnsInfo = {
  version: number
  /** As advertised by the client (the OPT class); budgets treat anything below 512 as 512. */
  udpPayloadSize: number
  doBit: boolean
  ecs?: EcsInfo
  /** A well-formed COOKIE option was present (RFC 7873); we do not answer with a server cookie. */
  cookie: boolean
  /** An NSID option was present (RFC 5001): answered with ours when one is configured. */
  nsid: boolean
}

export type OptProblem = { problem: 'formerr' | 'badvers'; detail: string; edns: EdnsInfo }

/** Fixed part of an OPT RR after its (root) owner name: TYPE, CLASS, TTL, RDLENGTH. */
export const OPT_FIXED_BYTES = 10

/**
 * Parses an OPT RR whose fixed fields start at `fixed` (just after the owner name) and whose RDATA
 * must end inside `buf[0, limit)`. The caller has checked that `fixed + OPT_FIXED_BYTES <= limit`
 * and the type is OPT. Never throws.
 */
export function parseOpt(buf: Buffer, fixed: number, limit: number): EdnsInfo | OptProblem {
  const edns: EdnsInfo = {
    version: buf[fixed + 5]!,
    udpPayloadSize: u16(buf, fixed + 2),
    doBit: (buf[fixed + 6]! & 0x80) !== 0,
    // Present from the start, so every EdnsInfo has one shape (V8 keeps the query path monomorphic).
    ecs: undefined,
    cookie: false,
    nsid: false,
  }
  const start = fixed + OPT_FIXED_BYTES
  const end = start + u16(buf, fixed + 8)
  if (end > limit) return { problem: 'formerr', detail: 'opt-rdlength', edns }
  // An unknown version may lay its options out differently, so nothing past it is read (RFC 6891 §6.1.3).
  if (edns.version !== 0) return { problem: 'badvers', detail: 'edns-version', edns }
  let p = start
  while (p < end) {
    if (p + 4 > end) return optFormerr(edns, 'opt-option-truncated')
    const code = u16(buf, p)
    const length = u16(buf, p + 2)
    const data = p + 4
    if (data + length > end) return optFormerr(edns, 'opt-option-length')
    if (code === EdnsOptionCode.ECS) {
      if (edns.ecs) return optFormerr(edns, 'ecs-duplicate')
      const ecs = parseEcs(buf, data, length)
      if (typeof ecs === 'string') return optFormerr(edns, ecs)
      edns.ecs = ecs
    } else if (code === EdnsOptionCode.COOKIE) {
      // A client cookie is 8 bytes; with a server cookie the option is 16..40 (RFC 7873 §5.2.2).
      if (length !== 8 && (length < 16 || length > 40)) return optFormerr(edns, 'cookie-length')
      edns.cookie = true
    } else if (code === EdnsOptionCode.NSID) {
      // RFC 5001 §2.1: the request's option is empty; anything in it is ignored.
      edns.nsid = true
    }
    p = data + length
  }
  return edns
}

function optFormerr(edns: EdnsInfo, detail: string): OptProblem {
  // A problem is answered without ECS: the option may be the thing that is broken.
  return { problem: 'formerr', detail, edns: { ...edns, ecs: undefined } }
}

/** RFC 7871 §6 / §7.1.1: a malformed ECS option gets FORMERR; returns the detail string then. */
function parseEcs(buf: Buffer, data: number, length: number): EcsInfo | string {
  if (length < 4) return 'ecs-length'
  const family = u16(buf, data)
  if (family !== EcsFamily.IPV4 && family !== EcsFamily.IPV6) return 'ecs-family'
  const sourcePrefix = buf[data + 2]!
  const scopePrefix = buf[data + 3]!
  if (sourcePrefix > (family === EcsFamily.IPV4 ? 32 : 128)) return 'ecs-source-prefix'
  if (scopePrefix !== 0) return 'ecs-scope-prefix'
  const addressBytes = length - 4
  if (addressBytes !== (sourcePrefix + 7) >> 3) return 'ecs-address-length'
  const spareBits = (8 - (sourcePrefix & 7)) & 7
  if (spareBits !== 0 && (buf[data + 3 + addressBytes]! & ((1 << spareBits) - 1)) !== 0) {
    return 'ecs-address-bits'
  }
  const address =
    family === EcsFamily.IPV4
      ? formatIPv4(buf, data + 4, addressBytes)
      : formatIPv6(buf, data + 4, addressBytes)
  return { family, sourcePrefix, scopePrefix, address, dataOffset: data }
}

/**
 * Bytes of the OPT RR we answer with: root name, fixed part, an ECS echo when the client sent ECS,
 * and `nsid` (a whole NSID option, see nsidOption) when given.
 */
export function responseOptBytes(ecs: EcsInfo | undefined, nsid?: Buffer): number {
  return 1 + OPT_FIXED_BYTES + (ecs ? 8 + ((ecs.sourcePrefix + 7) >> 3) : 0) + (nsid ? nsid.length : 0)
}

/** Our NSID option (RFC 5001), code, length and data, ready to copy into an OPT. */
export function nsidOption(id: string): Buffer {
  const data = Buffer.from(id, 'utf8')
  const out = Buffer.alloc(4 + data.length)
  putU16(out, 0, EdnsOptionCode.NSID)
  putU16(out, 2, data.length)
  data.copy(out, 4)
  return out
}

/**
 * Writes our OPT RR at `out[p]` (exactly responseOptBytes(ecs) bytes): class = our UDP payload size,
 * TTL = extended rcode high bits, version 0 and the DO bit echoed; ECS echoed from `query` with the
 * given scope (RFC 7871 §7.2.1). Returns the offset after it.
 */
export function writeOpt(
  out: Buffer,
  p: number,
  udpPayloadSize: number,
  rcode: number,
  doBit: boolean,
  query: Buffer,
  ecs: EcsInfo | undefined,
  ecsScope: number,
  nsid?: Buffer,
): number {
  out[p] = 0
  putU16(out, p + 1, RRType.OPT)
  putU16(out, p + 3, udpPayloadSize)
  out[p + 5] = (rcode >> 4) & 0xff
  out[p + 6] = 0
  out[p + 7] = doBit ? 0x80 : 0
  out[p + 8] = 0
  if (!ecs && nsid === undefined) {
    putU16(out, p + 9, 0)
    return p + 11
  }
  let end = p + 11
  if (ecs) {
    const addressBytes = (ecs.sourcePrefix + 7) >> 3
    putU16(out, end, EdnsOptionCode.ECS)
    putU16(out, end + 2, 4 + addressBytes)
    // FAMILY, SOURCE PREFIX-LENGTH and ADDRESS come back as the client sent them.
    const data = ecs.dataOffset
    copyBytes(query, data, data + 3, out, end + 4)
    out[end + 7] = Math.max(0, Math.min(ecsScope | 0, ecs.family === EcsFamily.IPV4 ? 32 : 128))
    copyBytes(query, data + 4, data + 4 + addressBytes, out, end + 8)
    end += 8 + addressBytes
  }
  if (nsid !== undefined) {
    out.set(nsid, end)
    end += nsid.length
  }
  putU16(out, p + 9, end - p - 11)
  return end
}
