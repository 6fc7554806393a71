import { BlockList, isIPv4, isIPv6 } from 'node:net'
import { InvalidArgumentError } from '@nines/core'
import { z } from 'zod'

export interface Cidr {
  readonly address: string
  readonly prefix: number
  readonly family: 4 | 6
}

/** `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a /32 or /128); null when it is neither. */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/')
  const address = slash === -1 ? text : text.slice(0, slash)
  const family = isIPv4(address) ? 4 : isIPv6(address) ? 6 : undefined
  if (family === undefined) return null
  const max = family === 4 ? 32 : 128
  if (slash === -1) return { address, prefix: max, family }
  const bits = text.slice(slash + 1)
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > max) return null
  return { address, prefix: Number(bits), family }
}

export const cidrSchema = z.string().superRefine((value, ctx) => {
  if (parseCidr(value) === null) {
    ctx.addIssue({
      code: 'custom',
      input: value,
      message: `expected an address or CIDR such as 10.0.0.0/8, 192.0.2.7 or fd00::/8, got ${JSON.stringify(value)}`,
    })
  }
})

/**
 * Whether a peer address lies in one of the CIDRs (parsed once, checked per request). An IPv4-mapped
 * IPv6 peer (`::ffff:10.1.2.3`, what a dual-stack socket reports) is checked as the IPv4 address.
 */
export function compileCidrs(cidrs: readonly string[]): (address: string) => boolean {
  if (cidrs.length === 0) return () => false
  const list = new BlockList()
  for (const text of cidrs) {
    const cidr = parseCidr(text)
    if (cidr === null)
      throw new InvalidArgumentError(`cidrs: not an address or CIDR: ${JSON.stringify(text)}`)
    list.addSubnet(cidr.address, cidr.prefix, cidr.family === 4 ? 'ipv4' : 'ipv6')
  }
  return (address) => {
    if (address.length > 7 && address.charCodeAt(0) === 58 && /^::ffff:\d/i.test(address)) {
      const v4 = address.slice(7)
      if (isIPv4(v4)) return list.check(v4, 'ipv4')
    }
    return isIPv4(address) ? list.check(address, 'ipv4') : isIPv6(address) && list.check(address, 'ipv6')
  }
}
