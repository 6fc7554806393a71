// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are never forwarded, either way.
// `expect` is also kept off the upstream request: Node answers `100-continue` to the client itself, and
// undici refuses the header.
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
])

/** Whether a lower-case header name is hop-by-hop: the fixed list or any `proxy-*`. */
export function isHopByHop(lowerName: string): boolean {
  return hopByHop.has(lowerName) || lowerName.startsWith('proxy-')
}

/**
 * The header names a `Connection` value lists (lower-case), other than `close` and `keep-alive`, which
 * name no header; undefined when there are none, so the common case allocates nothing.
 */
export function connectionListed(value: string, into?: string[]): string[] | undefined {
  // What nearly every peer sends, answered without splitting.
  if (value === 'keep-alive' || value === 'close' || value === 'Keep-Alive' || value === 'Close') return into
  let list = into
  for (const part of value.split(',')) {
    const name = part.trim().toLowerCase()
    if (name === '' || name === 'close' || name === 'keep-alive') continue
    ;(list ??= []).push(name)
  }
  return list
}
