import type { LookupAddress, LookupOneOptions } from 'node:dns'
import { isIP } from 'node:net'
import type { Resolver } from '../resolver.js'

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void

export type LookupFunction = (
  hostname: string,
  options: number | (Omit<LookupOneOptions, 'all'> & { all?: boolean }) | LookupCallback,
  callback?: LookupCallback,
) => void

/**
 * A function with `dns.lookup`'s signature over the resolver, for `net.connect({ lookup })`,
 * `http.request({ lookup })` and undici's `connect: { lookup }`. Honours `family` (0, 4, 6) and `all`;
 * `hints` are accepted and have nothing to steer. IP literals and `localhost` are answered without DNS.
 * A name without addresses fails with ENOTFOUND like `dns.lookup`; no nameserver answering fails with the
 * resolver's NINES_ERR_NO_NAMESERVER.
 */
export function createLookup(resolver: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    const cb = (typeof options === 'function' ? options : callback) as LookupCallback
    const opts = typeof options === 'object' && options !== null ? options : {}
    const family = typeof options === 'number' ? options : Number(opts.family ?? 0)
    const all = opts.all === true
    const answer = (addresses: LookupAddress[]): void => {
      if (addresses.length === 0) {
        const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`)
        error.code = 'ENOTFOUND'
        error.syscall = 'getaddrinfo'
        ;(error as { hostname?: string }).hostname = hostname
        return process.nextTick(cb, error, all ? [] : '', 0)
      }
      if (all) process.nextTick(cb, null, addresses)
      else process.nextTick(cb, null, addresses[0]!.address, addresses[0]!.family)
    }
    const literal = isIP(hostname)
    if (literal !== 0) {
      return answer(family === 0 || family === literal ? [{ address: hostname, family: literal }] : [])
    }
    if (hostname.toLowerCase() === 'localhost' || hostname.toLowerCase() === 'localhost.') {
      const local: LookupAddress[] = [
        { address: '127.0.0.1', family: 4 },
        { address: '::1', family: 6 },
      ]
      return answer(local.filter((a) => family === 0 || a.family === family))
    }
    // family 0 leaves the resolver's own `family` option in charge.
    resolver.addresses(hostname, family === 4 || family === 6 ? family : undefined).then(
      (addresses) => answer(addresses.map((address) => ({ address, family: isIP(address) }))),
      (error: unknown) => process.nextTick(cb, error as NodeJS.ErrnoException, all ? [] : '', 0),
    )
  }
}
