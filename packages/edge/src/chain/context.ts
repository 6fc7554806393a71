import type { HttpBindings } from '@hono/node-server'
import type { RetryReason } from '../retry/should-retry.js'
import type { RouteRuntime } from '../router/router.js'
import type { EdgeErrorCode } from './respond.js'

/** What the stages hand each other on the Hono context. */
export interface EdgeVariables {
  requestId: string
  /** Epoch ms the request reached the chain: the overall deadline counts from here. */
  arrival: number
  route: RouteRuntime
}

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
}
