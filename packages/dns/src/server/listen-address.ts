import { isIPv4, isIPv6 } from 'node:net'
import { z } from 'zod'

export interface ListenAddress {
  /** The IP literal, without brackets. */
  host: string
  port: number
  family: 4 | 6
}

const HINT = 'expected ip:port or [ipv6]:port, such as 127.0.0.1:5300 or [::1]:5300'

/** `127.0.0.1:5300` or `[::1]:5300` (port 0 = any free port), or null. Host names are not accepted. */
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

/** How an address is written in messages and results: `127.0.0.1:5300`, `[::1]:5300`. */
export function formatListenAddress(address: { host: string; port: number; family: 4 | 6 }): string {
  return address.family === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`
}

export const listenAddressSchema = z.string().superRefine((value, ctx) => {
  if (parseListenAddress(value) === null) {
    ctx.addIssue({ code: 'custom', input: value, message: `${HINT}, got ${JSON.stringify(value)}` })
  }
})
