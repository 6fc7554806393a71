/** An address as unsigned 32-bit words: one for IPv4, four for IPv6. */
export interface IpAddress {
  readonly family: 4 | 6
  readonly words: readonly number[]
}

export interface Cidr extends IpAddress {
  readonly prefixLength: number
  /** As written, for messages and matches. */
  readonly text: string
}

export type CidrResult =
  { readonly ok: true; readonly cidr: Cidr } | { readonly ok: false; readonly message: string }

/**
 * Parses an IPv4 or IPv6 literal as `node:net` `isIP` accepts them (a zone index such as `%eth0` is
 * ignored). Hand-rolled: it runs per query, and `isIP`'s regular expressions cost several times more.
 */
export function parseIp(text: string): IpAddress | undefined {
  const v4 = parseIPv4(text, 0, text.length)
  if (v4 >= 0) return { family: 4, words: [v4] }
  const percent = text.indexOf('%')
  if (percent === text.length - 1) return undefined
  const words = parseIPv6(text, percent >= 0 ? percent : text.length)
  return words === undefined ? undefined : { family: 6, words }
}

/**
 * Raw address bytes, such as an ECS option's: without `family`, 4 bytes are IPv4 and 16 are IPv6;
 * with it, a shorter buffer (ECS truncates to the source prefix) is padded with zeros.
 */
export function ipFromBytes(bytes: Uint8Array, family?: 4 | 6): IpAddress | undefined {
  const fam = family ?? (bytes.length === 4 ? 4 : bytes.length === 16 ? 6 : undefined)
  if (fam === undefined || bytes.length > (fam === 4 ? 4 : 16)) return undefined
  const words = new Array<number>(fam === 4 ? 1 : 4).fill(0)
  bytes.forEach((byte, i) => {
    words[i >> 2] = (words[i >> 2]! | (byte << (24 - 8 * (i & 3)))) >>> 0
  })
  return { family: fam, words }
}

/** `::ffff:a.b.c.d` as the IPv4 address it carries (dual-stack sockets report IPv4 clients so). */
export function unmapIPv4(ip: IpAddress): IpAddress {
  const [w0, w1, w2, w3] = ip.words
  return ip.family === 6 && w0 === 0 && w1 === 0 && w2 === 0xffff ? { family: 4, words: [w3!] } : ip
}

export function maskWords(words: readonly number[], prefixLength: number): number[] {
  return words.map((word, i) => {
    const bits = Math.min(32, Math.max(0, prefixLength - 32 * i))
    return bits === 0 ? 0 : bits === 32 ? word : (word & (0xffffffff << (32 - bits))) >>> 0
  })
}

export function parseCidr(text: string): CidrResult {
  const slash = text.indexOf('/')
  const ip = slash > 0 ? parseIp(text.slice(0, slash)) : undefined
  const lengthText = text.slice(slash + 1)
  if (ip === undefined || text.includes('%') || !/^\d{1,3}$/.test(lengthText)) {
    return { ok: false, message: `expected a CIDR such as 10.0.0.0/8 or 2001:db8::/32, got "${text}"` }
  }
  const prefixLength = Number(lengthText)
  const maxLength = ip.family === 4 ? 32 : 128
  if (prefixLength > maxLength) {
    return {
      ok: false,
      message: `expected a prefix length of 0..${maxLength}, got ${prefixLength} in "${text}"`,
    }
  }
  const words = maskWords(ip.words, prefixLength)
  if (words.some((w, i) => w !== ip.words[i])) {
    const network = `${formatIp({ family: ip.family, words })}/${prefixLength}`
    return { ok: false, message: `host bits set in "${text}": expected ${network}` }
  }
  return { ok: true, cidr: { family: ip.family, words, prefixLength, text } }
}

export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) {
    const w = ip.words[0]!
    return [w >>> 24, (w >>> 16) & 0xff, (w >>> 8) & 0xff, w & 0xff].join('.')
  }
  const groups = ip.words.flatMap((w) => [w >>> 16, w & 0xffff])
  // Compress the longest run of two or more zero groups (RFC 5952).
  let bestStart = -1
  let bestLength = 1
  for (let i = 0; i < 8;) {
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i]
    i = j === i ? i + 1 : j
  }
  const hex = groups.map((g) => g.toString(16))
  if (bestStart < 0) return hex.join(':')
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`
}

/** Dotted quad in `text[start, end)` without leading zeros, or -1. */
function parseIPv4(text: string, start: number, end: number): number {
  let value = 0
  let octet = 0
  let digits = 0
  let dots = 0
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x2e) {
      if (digits === 0 || ++dots > 3) return -1
      value = ((value << 8) | octet) >>> 0
      octet = 0
      digits = 0
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits === 1 && octet === 0) return -1
      octet = octet * 10 + (c - 0x30)
      if (++digits > 3 || octet > 255) return -1
    } else {
      return -1
    }
  }
  return digits === 0 || dots !== 3 ? -1 : ((value << 8) | octet) >>> 0
}

/** Groups of `text[0, end)` as four words, or undefined: at most one `::`, an optional IPv4 tail. */
function parseIPv6(text: string, end: number): number[] | undefined {
  const groups: number[] = []
  let gap = -1
  let i = 0
  if (text.startsWith('::')) {
    gap = 0
    i = 2
  }
  while (i < end) {
    let j = i
    let value = 0
    for (
      let digit = hexValue(text.charCodeAt(j));
      j < end && digit >= 0;
      digit = hexValue(text.charCodeAt(++j))
    ) {
      value = value * 16 + digit
    }
    if (j < end && text.charCodeAt(j) === 0x2e) {
      const v4 = parseIPv4(text, i, end)
      if (v4 < 0) return undefined
      groups.push(v4 >>> 16, v4 & 0xffff)
      break
    }
    if (j === i || j - i > 4) return undefined
    groups.push(value)
    if (j === end) break
    if (text.charCodeAt(j) !== 0x3a) return undefined
    if (text.charCodeAt(j + 1) === 0x3a && j + 1 < end) {
      if (gap >= 0) return undefined
      gap = groups.length
      i = j + 2
    } else {
      i = j + 1
      if (i === end) return undefined
    }
  }
  if (gap < 0 ? groups.length !== 8 : groups.length > 7) return undefined
  if (gap >= 0) groups.splice(gap, 0, ...new Array<number>(8 - groups.length).fill(0))
  return [0, 1, 2, 3].map((w) => ((groups[2 * w]! << 16) | groups[2 * w + 1]!) >>> 0)
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  const lower = c | 0x20
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1
}
