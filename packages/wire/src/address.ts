import { isIPv4, isIPv6 } from 'node:net'

/** The 4 bytes of a dotted-quad IPv4 literal, or null when it is not one (leading zeros are rejected). */
export function parseIPv4(address: string): Buffer | null {
  if (!isIPv4(address)) return null
  const out = Buffer.allocUnsafe(4)
  const parts = address.split('.')
  for (let i = 0; i < 4; i++) out[i] = Number(parts[i])
  return out
}

/**
 * The 16 bytes of an IPv6 literal, including forms with an embedded IPv4 tail (`::ffff:1.2.3.4`,
 * which dns2 encodes as `::ffff:1`), or null when it is not one. Zone ids (`fe80::1%eth0`) are
 * rejected: they mean nothing outside the host.
 */
export function parseIPv6(address: string): Buffer | null {
  if (address.includes('%') || !isIPv6(address)) return null
  let text = address
  const lastColon = text.lastIndexOf(':')
  if (text.indexOf('.', lastColon) !== -1) {
    // An embedded IPv4 tail is the last two groups written in decimal.
    const v4 = parseIPv4(text.slice(lastColon + 1))
    if (v4 === null) return null
    text = `${text.slice(0, lastColon + 1)}${v4.readUInt16BE(0).toString(16)}:${v4.readUInt16BE(2).toString(16)}`
  }
  const gap = text.indexOf('::')
  const head = gap === -1 ? text.split(':') : text.slice(0, gap).split(':').filter(Boolean)
  const rest =
    gap === -1
      ? []
      : text
          .slice(gap + 2)
          .split(':')
          .filter(Boolean)
  const zeros = 8 - head.length - rest.length
  if (zeros < 0 || (gap === -1 && zeros !== 0)) return null
  const out = Buffer.alloc(16)
  head.forEach((group, i) => out.writeUInt16BE(parseInt(group, 16), 2 * i))
  rest.forEach((group, i) => out.writeUInt16BE(parseInt(group, 16), 2 * (8 - rest.length + i)))
  return out
}

/** Dotted quad of `len` (0..4) bytes at `buf[offset]`, zero-padded: an ECS prefix `203.0.113` reads `203.0.113.0`. */
export function formatIPv4(buf: Buffer, offset: number, len: number): string {
  let out = ''
  for (let i = 0; i < 4; i++) out += (i ? '.' : '') + (i < len ? buf[offset + i]! : 0)
  return out
}

/** RFC 5952 text of `len` (0..16) bytes at `buf[offset]`, zero-padded to 16: `2001:db8::`. */
export function formatIPv6(buf: Buffer, offset: number, len: number): string {
  const groups = new Array<number>(8)
  for (let g = 0; g < 8; g++) {
    const hi = 2 * g < len ? buf[offset + 2 * g]! : 0
    const lo = 2 * g + 1 < len ? buf[offset + 2 * g + 1]! : 0
    groups[g] = (hi << 8) | lo
  }
  // Longest run of at least two zero groups becomes "::"; the first one wins a tie.
  let bestStart = -1
  let bestLen = 1
  for (let g = 0; g < 8;) {
    if (groups[g] !== 0) {
      g++
      continue
    }
    let end = g
    while (end < 8 && groups[end] === 0) end++
    if (end - g > bestLen) {
      bestStart = g
      bestLen = end - g
    }
    g = end
  }
  let out = ''
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      out += '::'
      g += bestLen - 1
      continue
    }
    if (out !== '' && !out.endsWith(':')) out += ':'
    out += groups[g]!.toString(16)
  }
  return out
}
