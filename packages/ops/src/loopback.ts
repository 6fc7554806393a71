import { isIPv4, isIPv6 } from 'node:net'

// ::ffff:127.0.0.0/104 in the canonical form the URL parser prints (::ffff:7fxx:xxxx).
const mappedLoopback = /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/

/**
 * True for addresses only this host can reach: 127.0.0.0/8, ::1 (and its IPv4-mapped forms) and
 * `localhost`. Everything else, `0.0.0.0` and `::` included, is reachable from elsewhere.
 */
export function isLoopbackAddress(address: string): boolean {
  if (address === 'localhost') return true
  if (isIPv4(address)) return address.startsWith('127.')
  if (!isIPv6(address)) return false
  let canonical: string
  try {
    canonical = new URL(`http://[${address}]/`).hostname
  } catch {
    return false // zone ids (fe80::1%eth0) are link-local, never loopback
  }
  return canonical === '[::1]' || mappedLoopback.test(canonical)
}
