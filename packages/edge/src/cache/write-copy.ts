import type { ServerResponse } from 'node:http'
import { InvalidArgumentError } from '@nines/core'
import { requestIdHeader } from '../proxy/request-id.js'
import { Copy, type CachedCopy } from './entry.js'

export interface WriteCopyOptions {
  /** The client's method: HEAD gets the head only (`content-length` kept). */
  readonly method: string
  readonly requestId: string
  /** `viaValue(instance)`. */
  readonly via: string
  /** `hit`: a fresh copy; `stale`: served past freshness (or without the refresh it needed). */
  readonly state: 'hit' | 'stale'
  /** Why a stale copy was served (`x-nines-cache: stale; reason=…`). */
  readonly reason?: 'error' | 'shed' | 'no-endpoint' | 'revalidate' | undefined
  /** Opt-in debug headers (`debugHeaders`): adds `x-nines-cache: hit` to fresh answers. */
  readonly debug: boolean
}

/** The header saying a response came from the cache. */
export const cacheStateHeader = 'x-nines-cache'

/**
 * Answers `res` with a stored copy: its status and stored headers, `Age` as of now, `x-request-id` and
 * `Via` as `clientResponseHeaders` writes them on relayed answers, then the body (none for HEAD).
 * `x-nines-cache` is always on a stale answer (`stale; reason=shed`): a client or operator must be able to
 * tell that the content may be out of date, and why. A fresh hit is an ordinary answer, marked only with
 * `debug`. No `Warning` is written (obsoleted by RFC 9111 §5.5).
 */
export function writeCopy(res: ServerResponse, copy: CachedCopy, opts: WriteCopyOptions): void {
  if (!(copy instanceof Copy)) throw new InvalidArgumentError('writeCopy: a copy from ResponseCache.lookup')
  const entry = copy.entry
  const head = entry.headers.slice()
  head.push('age', String(Math.floor(entry.policy.age())), requestIdHeader, opts.requestId, 'via', opts.via)
  if (opts.state === 'stale')
    head.push(cacheStateHeader, opts.reason === undefined ? 'stale' : `stale; reason=${opts.reason}`)
  else if (opts.debug) head.push(cacheStateHeader, 'hit')
  // As in forward.ts: once an earlier stage set a header, writeHead(status, list) keeps only the last of
  // repeated names; append them instead.
  if (res.getHeaderNames().length === 0) res.writeHead(entry.status, head)
  else {
    for (let i = 0; i < head.length; i += 2) res.appendHeader(head[i]!, head[i + 1]!)
    res.writeHead(entry.status)
  }
  if (opts.method === 'HEAD' || entry.body.length === 0) res.end()
  else res.end(entry.body)
}
