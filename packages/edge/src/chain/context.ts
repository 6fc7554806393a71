import type { HttpBindings } from '@hono/node-server'
import type { ShedReason } from '../admit/admission.js'
import type { AttemptsResult } from '../attempts/proxy-attempts.js'
import type { CachedCopy } from '../cache/entry.js'
import type { ResponseTap } from '../proxy/tap.js'
import type { RetryReason } from '../retry/should-retry.js'
import type { RouteRuntime } from '../router/router.js'
import type { RequestClass } from '../routes/route-schema.js'
import type { EdgeErrorCode } from './respond.js'

/** What the stages hand each other on the Hono context. */
export interface EdgeVariables {
  requestId: string
  /** Epoch ms the request reached the chain: the overall deadline counts from here. */
  arrival: number
  route: RouteRuntime
  /** The request's class (classify): the route's, or a lower one the client asked for. */
  class: RequestClass
  /** A stored copy past its freshness (cache): served if the upstream cannot answer. */
  stale: CachedCopy | undefined
  /** The cache's writer for this response, when it may be stored (cache). */
  tap: ResponseTap | undefined
  /** How long the request waited for admission (admit). */
  queuedMs: number
  /** Why admission refused it (admit). */
  shed: ShedReason | undefined
  /** How the retry loop ended (proxy): admission reads the upstream's latency from it. */
  result: AttemptsResult | undefined
}

/** How the router answered a request it did not relay: a stored copy, the route's fallback, or a problem. */
export type Degraded = 'stale' | 'fallback' | 'problem'

/** The chain's Hono environment: Node's raw request and response (`incoming`, `outgoing`) as bindings. */
export interface EdgeEnv {
  Bindings: HttpBindings
  Variables: EdgeVariables
}

/** One finished request, for metrics and the access log (never logged one by one otherwise). */
export interface RequestRecord {
  readonly requestId: string
  readonly method: string
  readonly host: string
  readonly path: string
  readonly remoteAddress: string | undefined
  /** The route's name; undefined for a miss. */
  readonly route: string | undefined
  readonly class: string | undefined
  readonly pool: string | undefined
  /** The status the client got; 0 when it left before any. */
  readonly status: number
  /** The endpoint that served (or was tried last). */
  readonly endpoint: string | undefined
  readonly attempts: number
  readonly retries: readonly RetryReason[]
  /** Set when the router answered itself. */
  readonly code: EdgeErrorCode | undefined
  /** The response was cut short (the upstream broke mid-body) or the client left. */
  readonly incomplete: boolean
  readonly durationMs: number
  /** The serving attempt's time from sending to the response's end; undefined when nothing was served. */
  readonly upstreamMs: number | undefined
  /** Whether the pool was in panic when the request was balanced. */
  readonly panic: boolean
  /** `hit`: served fresh from the cache; `stale`: a stale copy stood in (see `staleReason`). */
  readonly cache: 'hit' | 'stale' | undefined
  /** Why a stale copy was served. */
  readonly staleReason: StaleCause | undefined
  /** The route's fallback answered. */
  readonly fallback: boolean
  /** Admission refused the request (it may still have got a stale copy or the fallback). */
  readonly shed: ShedReason | undefined
  /** Time spent waiting for admission. */
  readonly queuedMs: number
}

/** Why a stale copy stood in: the request was shed, the upstream failed, or nothing could be tried. */
export type StaleCause = 'shed' | 'error' | 'no-endpoint' | 'revalidate'
