import { isHostName } from '@nines/tls'
import { z } from 'zod'

// Shared with the certificates' serverNames (@nines/tls).
export { isHostName }

const DOT = 46

/**
 * A route's host: an exact name (`app.nines.test`), a wildcard (`*.nines.test`, any name below it at
 * any depth, not the name itself) or `*` (any host). Lowercased; a trailing dot is dropped.
 */
export const hostPatternSchema = z
  .string()
  // `*.` stays as written (refused): dropping its dot would turn it into `*`, every host.
  .transform((host) => (host === '*.' ? host : host.toLowerCase().replace(/\.$/, '')))
  .superRefine((host, ctx) => {
    if (host === '*' || isHostName(host.startsWith('*.') ? host.slice(2) : host)) return
    ctx.addIssue({
      code: 'custom',
      input: host,
      message: `expected a host name such as app.nines.test, a wildcard such as *.nines.test, or *, got ${JSON.stringify(host)}`,
    })
  })

/**
 * The name a request's Host (or :authority) designates, as routes are keyed: lowercased, without the
 * port and without a trailing dot; `[::1]:8080` keeps its brackets (`[::1]`). Runs per request, so it
 * slices at most once and lowercases only when an uppercase letter is present.
 */
export function normalizeRequestHost(host: string): string {
  let end = host.length
  if (host.charCodeAt(0) === 91) {
    // [ipv6]:port: everything after the closing bracket is the port.
    const close = host.indexOf(']')
    if (close !== -1) end = close + 1
  } else {
    const colon = host.lastIndexOf(':')
    if (colon !== -1) end = colon
  }
  if (end > 0 && host.charCodeAt(end - 1) === DOT) end--
  let upper = false
  for (let i = 0; i < end; i++) {
    const code = host.charCodeAt(i)
    if (code >= 65 && code <= 90) {
      upper = true
      break
    }
  }
  const name = end === host.length ? host : host.slice(0, end)
  return upper ? name.toLowerCase() : name
}
