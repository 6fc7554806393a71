import { isIPv4, isIPv6 } from 'node:net'
import { z } from 'zod'

// The same syntax as nines-dns's `listen` (packages/dns/src/server/listen-address.ts); the edge may not
// import @nines/dns, so the few lines are repeated here until they move to @nines/core.

export interface ListenAddress {
  /** The IP literal, without brackets. */
  readonly host: string
  readonly port: number
  readonly family: 4 | 6
}

const HINT = 'expected ip:port or [ipv6]:port, such as 127.0.0.1:8080 or [::1]:8080'

/** `127.0.0.1:8080` or `[::1]:8080` (port 0 = any free port), or null. Host names are not accepted. */
export function parseListenAddress(text: string): ListenAddress | null {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text)
  if (!match) return null
  const port = Number(match[3])
  if (port > 65_535) return null
  const v6 = match[1]
  if (v6 !== undefined) return isIPv6(v6) ? { host: v6, port, family: 6 } : null
  const v4 = match[2]!
  return isIPv4(v4) ? { host: v4, port, family: 4 } : null
}

export const listenAddressSchema = z.string().superRefine((value, ctx) => {
  if (parseListenAddress(value) === null) {
    ctx.addIssue({ code: 'custom', input: value, message: `${HINT}, got ${JSON.stringify(value)}` })
  }
})
