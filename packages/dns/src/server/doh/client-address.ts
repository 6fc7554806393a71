import { BlockList, isIP } from 'node:net'
import { parseCidr } from '../../policy/ip.js'

/** Is this peer a proxy whose X-Forwarded-For we believe? Built once from `trustedProxies`. */
export type ProxyCheck = (address: string) => boolean

export function compileTrustedProxies(cidrs: readonly string[]): ProxyCheck {
  if (cidrs.length === 0) return () => false
  const list = new BlockList()
  for (const text of cidrs) {
    const slash = text.indexOf('/')
    const family = isIP(slash === -1 ? text : text.slice(0, slash))
    const parsed = parseCidr(slash === -1 ? `${text}/${family === 6 ? 128 : 32}` : text)
    if (!parsed.ok) throw new RangeError(`trustedProxies: ${parsed.message}`)
    const [address, bits] = parsed.cidr.text.split('/') as [string, string]
    list.addSubnet(address, Number(bits), family === 6 ? 'ipv6' : 'ipv4')
  }
  return (address) => {
    const plain = unmapped(address)
    const family = isIP(plain)
    return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4')
  }
}

/** `::ffff:192.0.2.1` (a dual-stack socket's IPv4 peer) as `192.0.2.1`. */
export function unmapped(address: string): string {
  return address.length > 7 && /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address
}

/**
 * The client a request speaks for: the peer, or, when the peer is a trusted proxy, the right-most
 * X-Forwarded-For address that is not itself trusted (the left-most when all are; the hop before the
 * first entry that is not an address). Entries left of the first untrusted one are the client's own
 * claims and could be forged, so they never count.
 */
export function clientAddress(
  peer: string,
  forwardedFor: string | string[] | undefined,
  trusted: ProxyCheck,
): { address: string; family: 4 | 6 } {
  let address = unmapped(peer)
  if (forwardedFor !== undefined && trusted(address)) {
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',')
    for (let i = hops.length - 1; i >= 0; i--) {
      const hop = unmapped(hops[i]!.trim())
      if (isIP(hop) === 0) break
      address = hop
      if (!trusted(hop)) break
    }
  }
  return { address, family: isIP(address) === 6 ? 6 : 4 }
}
