import type { IncomingHttpHeaders } from 'node:http'
import type { HashOn } from '../balance/schema.js'

/** The `hash` balancer's key: the configured header, or the configured cookie's value; undefined if absent. */
export function hashKeyOf(headers: IncomingHttpHeaders, hashOn: HashOn | undefined): string | undefined {
  if (hashOn === undefined) return undefined
  if ('header' in hashOn) {
    const value = headers[hashOn.header]
    return Array.isArray(value) ? value[0] : value
  }
  const cookie = headers.cookie
  if (cookie === undefined) return undefined
  for (const pair of cookie.split(';')) {
    const eq = pair.indexOf('=')
    if (eq !== -1 && pair.slice(0, eq).trim() === hashOn.cookie) return pair.slice(eq + 1).trim()
  }
  return undefined
}
