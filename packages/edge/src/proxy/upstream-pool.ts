import { Pool } from 'undici'

export interface UpstreamPoolOptions {
  /** Most connections to the endpoint; `null` for no cap. */
  readonly connections?: number | null
  /** TCP (and TLS) connect must finish within this. */
  readonly connectTimeoutMs?: number
  /** Response head must arrive within this after the request was sent (the per-try timeout is usually shorter). */
  readonly headersTimeoutMs?: number
  /** Longest silence between two body chunks; 0 turns it off (needed by long-lived event streams). */
  readonly bodyTimeoutMs?: number
  /**
   * An idle kept-alive connection is closed after this when the upstream sends no `Keep-Alive: timeout`
   * hint. Must be below the upstream's own idle timeout (Node's default is 5000) so the router never sends
   * on a connection the upstream is closing.
   */
  readonly keepAliveTimeoutMs?: number
  /** Taken off an upstream's `Keep-Alive: timeout` hint, for the same reason. */
  readonly keepAliveTimeoutThresholdMs?: number
}

export const upstreamPoolDefaults = {
  connections: 256,
  connectTimeoutMs: 1000,
  headersTimeoutMs: 15000,
  bodyTimeoutMs: 60000,
  keepAliveTimeoutMs: 4000,
  keepAliveTimeoutThresholdMs: 1000,
} as const satisfies Required<UpstreamPoolOptions>

/**
 * One undici keep-alive `Pool` for one endpoint (`http://address:port`), with every timeout set (undici's
 * own head and body timeouts are 300 s). Make it when the endpoint joins its pool and `close()` it when it
 * leaves; in-flight requests finish first.
 */
export function createUpstreamPool(origin: string | URL, options: UpstreamPoolOptions = {}): Pool {
  const o = { ...upstreamPoolDefaults, ...options }
  return new Pool(origin, {
    connections: o.connections,
    connectTimeout: o.connectTimeoutMs,
    headersTimeout: o.headersTimeoutMs,
    bodyTimeout: o.bodyTimeoutMs,
    keepAliveTimeout: o.keepAliveTimeoutMs,
    keepAliveTimeoutThreshold: o.keepAliveTimeoutThresholdMs,
    pipelining: 1,
  })
}
