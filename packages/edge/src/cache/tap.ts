import type { IncomingHttpHeaders } from 'node:http'
import type { Clock } from '@nines/core'
import CachePolicy from 'http-cache-semantics'
import { connectionListed, isHopByHop } from '../proxy/hop-by-hop.js'
import { requestIdHeader } from '../proxy/request-id.js'
import { sameVariant, type StoredEntry } from './entry.js'
import { headerValue } from './request.js'
import type { ResponseTap } from '../proxy/tap.js'

/** The tap `forward` feeds with a relayed response (`proxy/tap.ts`); the cache's writer is one. */
export type { ResponseTap }

/**
 * Per-entry bytes beyond body and header characters: the policy object and its header records, the key,
 * the arrays. An estimate, so that many tiny entries cannot pass the bound by far.
 */
export const entryOverheadBytes = 1024

/** A copy with no freshness is not stored again while the stored one is younger than this. */
export const restoreAfterMs = 1000

/** CachePolicy on the cache's clock (the library reads time through `now()`, which it lets one replace). */
export type PolicyClass = new (
  req: CachePolicy.HttpRequest,
  res: CachePolicy.HttpResponse,
  options?: CachePolicy.Options,
) => CachePolicy

export function clockedPolicy(clock: Clock): PolicyClass {
  return class ClockedPolicy extends CachePolicy {
    now(): number {
      return clock.now()
    }
  }
}

/** What a tap needs of its cache. */
export interface TapContext {
  readonly clock: Clock
  readonly Policy: PolicyClass
  readonly maxEntryBytes: number
  peek(key: string): StoredEntry | undefined
  store(entry: StoredEntry): void
}

/** Where a tap is: waiting for the head, collecting the body, or finished (stored, refused, dropped). */
const State = { waiting: 0, collecting: 1, done: 2 } as const

/** Statuses whose response has no body: no `content-length` is added for them. */
function bodiless(status: number): boolean {
  return status < 200 || status === 204 || status === 304
}

/** latin1 of a Buffer header name, lower-cased. */
function lower(name: Buffer): string {
  return name.toString('latin1').toLowerCase()
}

function seconds(value: string | boolean | undefined): number {
  if (typeof value !== 'string') return 0
  const n = parseInt(value, 10)
  return Number.isFinite(n) && n > 0 ? n : 0
}

export class Tap implements ResponseTap {
  readonly #ctx: TapContext
  readonly #key: string
  readonly #host: string
  readonly #url: string
  readonly #reqHeaders: IncomingHttpHeaders
  #state: number = State.waiting
  #status = 0
  #policy: CachePolicy | undefined
  #headers: string[] = []
  #headerBytes = 0
  #addLength = false
  #chunks: Buffer[] = []
  #bodyBytes = 0
  #storedAt = 0
  #maxAgeS = 0
  #neverFresh = false
  #noStale = false
  #sie: number | undefined
  #swr: number | undefined
  #vary: string[] | undefined
  #varyValues: (string | undefined)[] = []

  readonly #refresh: boolean

  /** `refresh`: a stale-while-revalidate refresh, which must replace the copy however young it is. */
  constructor(
    ctx: TapContext,
    key: string,
    host: string,
    url: string,
    reqHeaders: IncomingHttpHeaders,
    refresh = false,
  ) {
    this.#refresh = refresh
    this.#ctx = ctx
    this.#key = key
    this.#host = host
    this.#url = url
    this.#reqHeaders = reqHeaders
  }

  head(status: number, rawHeaders: readonly Buffer[]): boolean {
    if (this.#state !== State.waiting) return false
    this.#state = State.done
    // Never a partial response: this cache stores whole bodies only (the library does not understand 206
    // either, and a 200 with Content-Range is no whole body).
    if (status === 206) return false
    // Pass 1: only the fields the decision needs, found by name length before any string is made.
    const res: Record<string, string> = {}
    let connection: string | undefined
    let hasLength = false
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!
      let field: string | undefined
      switch (name.length) {
        case 3:
        case 4:
        case 6:
        case 7:
        case 13:
          field = lower(name)
          break
        case 10:
          field = lower(name)
          // A shared cache must never hand one user's cookie to another: a response that sets one is
          // never stored, `public` or not.
          if (field === 'set-cookie') return false
          if (field === 'connection') {
            const value = rawHeaders[i + 1]!.toString('latin1')
            connection = connection === undefined ? value : `${connection}, ${value}`
            field = undefined
          }
          break
        case 14:
          if (lower(name) === 'content-length') hasLength = true
          break
      }
      if (field === undefined) continue
      switch (field) {
        case 'content-range':
          return false
        case 'age':
        case 'date':
        case 'etag':
        case 'vary':
        case 'pragma':
        case 'expires':
        case 'cache-control':
        case 'last-modified': {
          const value = rawHeaders[i + 1]!.toString('latin1')
          const prev = res[field]
          res[field] = prev === undefined ? value : `${prev}, ${value}`
        }
      }
    }
    const ctx = this.#ctx
    // The common case of an API: no explicit freshness, so a copy is only ever a stale one; the one stored
    // under a second ago is as good, and the policy need not even be built (see below).
    if (!this.#refresh && res['cache-control'] === undefined && res.expires === undefined) {
      const stored = ctx.peek(this.#key)
      if (
        stored !== undefined &&
        ctx.clock.now() - stored.storedAt < restoreAfterMs &&
        sameVariant(stored, this.#reqHeaders)
      )
        return false
    }
    let vary: string[] | undefined
    const reqView: Record<string, string> = { host: this.#host }
    if (res.vary !== undefined) {
      vary = []
      for (const part of res.vary.toLowerCase().split(',')) {
        const name = part.trim()
        if (name === '*') return false // varies on things outside the request: never reusable
        if (name !== '') vary.push(name)
      }
      if (vary.length === 0) vary = undefined
    }
    const reqHeaders = this.#reqHeaders
    const cc = headerValue(reqHeaders, 'cache-control')
    if (cc !== undefined) reqView['cache-control'] = cc
    const pragma = headerValue(reqHeaders, 'pragma')
    if (pragma !== undefined) reqView.pragma = pragma
    // The library reads only whether Authorization was there (RFC 9111 §3.5); the credential itself is
    // not kept unless the response varies on it.
    if (reqHeaders.authorization !== undefined) reqView.authorization = 'present'
    if (vary !== undefined) {
      for (const name of vary) {
        const value = headerValue(reqHeaders, name)
        this.#varyValues.push(value)
        if (value !== undefined) reqView[name] = value
      }
    }
    const policy = new ctx.Policy(
      { method: 'GET', url: this.#url, headers: reqView },
      { status, headers: res },
      // No heuristic freshness (RFC 9111 §4.2.2): a response without explicit freshness is kept only as a
      // stale copy, never served fresh, as nginx's proxy_cache does; an API route is never cached by surprise.
      { shared: true, cacheHeuristic: 0 },
    )
    if (!policy.storable()) return false
    const rescc = policy.toObject().rescc as Record<string, string | boolean>
    if ('private' in rescc || 'no-store' in rescc) return false // storable() says so too, in shared mode
    const maxAgeS = policy.maxAge()
    this.#noStale =
      'no-cache' in rescc || 'must-revalidate' in rescc || 'proxy-revalidate' in rescc || 's-maxage' in rescc
    // http-cache-semantics 4.3 revalidates a must-revalidate response even while it is fresh.
    this.#neverFresh = maxAgeS <= 0 || 'must-revalidate' in rescc
    // No freshness and no stale use allowed: nothing could ever be served from it, storing would only cost.
    if (maxAgeS <= 0 && this.#noStale) return false
    const now = ctx.clock.now()
    if (maxAgeS <= 0 && !this.#refresh) {
      // Without freshness a copy is only ever served stale, so every request would store it again. The
      // stored one is as good while it is less than a second old: skip the copy and the body.
      const stored = ctx.peek(this.#key)
      if (stored !== undefined && now - stored.storedAt < restoreAfterMs && sameVariant(stored, reqHeaders))
        return false
    }
    if ('stale-if-error' in rescc || 'stale-while-revalidate' in rescc) {
      this.#sie = seconds(rescc['stale-if-error'])
      this.#swr = seconds(rescc['stale-while-revalidate'])
    }
    // Pass 2: the headers to replay.
    let listed: string[] | undefined
    if (connection !== undefined) listed = connectionListed(connection)
    const out = this.#headers
    let bytes = 0
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!.toString('latin1')
      const low = name.toLowerCase()
      if (isHopByHop(low) || low === 'age' || low === 'warning' || low === requestIdHeader) continue
      if (listed !== undefined && listed.includes(low)) continue
      const value = rawHeaders[i + 1]!.toString('latin1')
      out.push(name, value)
      bytes += name.length + value.length + 4
    }
    this.#addLength = !hasLength && !bodiless(status)
    this.#headerBytes = bytes + this.#key.length + entryOverheadBytes
    if (this.#headerBytes > ctx.maxEntryBytes) return false
    this.#status = status
    this.#policy = policy
    this.#storedAt = now
    this.#maxAgeS = maxAgeS
    this.#vary = vary
    this.#state = State.collecting
    return true
  }

  data(chunk: Buffer): void {
    if (this.#state !== State.collecting) return
    this.#bodyBytes += chunk.length
    if (this.#headerBytes + this.#bodyBytes > this.#ctx.maxEntryBytes) {
      this.#state = State.done
      this.#chunks = []
      return
    }
    this.#chunks.push(chunk)
  }

  end(): void {
    if (this.#state !== State.collecting) return
    this.#state = State.done
    // One exact allocation outside Node's shared pool: undici's chunks are views of socket reads, and a
    // pooled or sliced buffer would keep far more memory alive than the entry is counted for.
    const body = Buffer.allocUnsafeSlow(this.#bodyBytes)
    let at = 0
    for (const chunk of this.#chunks) at += chunk.copy(body, at)
    this.#chunks = []
    let size = this.#headerBytes + body.length
    if (this.#addLength) {
      const length = String(body.length)
      this.#headers.push('content-length', length)
      size += 18 + length.length
    }
    this.#ctx.store({
      key: this.#key,
      policy: this.#policy!,
      status: this.#status,
      headers: this.#headers,
      body,
      size,
      storedAt: this.#storedAt,
      maxAgeS: this.#maxAgeS,
      neverFresh: this.#neverFresh,
      noStale: this.#noStale,
      originStaleIfErrorS: this.#sie,
      originStaleWhileRevalidateS: this.#swr,
      vary: this.#vary,
      varyValues: this.#varyValues,
    })
  }

  abort(): void {
    this.#state = State.done
    this.#chunks = []
  }
}
