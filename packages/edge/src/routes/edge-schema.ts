import { tlsCertificatesSchema } from '@nines/tls'
import { z } from 'zod'
import { edgeCacheSchema } from '../cache/options.js'
import { cidrSchema } from './cidr.js'
import { listenAddressSchema } from './listen-address.js'

const labelValue = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'expected a label such as eu-west-1a')

/**
 * TLS listeners and their certificates (@nines/tls: at most one default certificate, each server name
 * on one certificate).
 */
export const tlsSchema = z.strictObject({
  listen: z.array(listenAddressSchema).min(1, { error: 'expected at least one TLS listen address' }),
  certificates: tlsCertificatesSchema,
})

/**
 * Limits against slow or greedy clients. Node's own defaults (60 s for headers, 300 s per request) let
 * a slowloris client hold a connection for minutes; these are tighter.
 */
export const clientLimitsSchema = z
  .strictObject({
    /** The request line and headers must arrive within this (Node `headersTimeout`). */
    headersTimeoutMs: z.number().int().min(100).max(300_000).default(10_000),
    /** The whole request, body included, must arrive within this (Node `requestTimeout`). */
    requestTimeoutMs: z.number().int().min(100).max(3_600_000).default(30_000),
    /** Request line plus headers, in bytes (Node `maxHeaderSize`); larger gets 431. */
    maxHeaderBytes: z.number().int().min(1024).max(1_048_576).default(16_384),
    /** A request body larger than this gets 413 (by Content-Length before reading, else while streaming). */
    maxBodyBytes: z.number().int().min(0).max(10_737_418_240).default(10_485_760),
    /** An idle keep-alive connection is closed after this (Node `keepAliveTimeout`). */
    keepAliveTimeoutMs: z.number().int().min(0).max(600_000).default(5_000),
    /** Open client connections per process; more are refused at accept (Node `maxConnections`). */
    maxConnections: z.number().int().min(1).max(1_000_000).default(10_000),
  })
  .superRefine((limits, ctx) => {
    // Node refuses a headers timeout longer than the request timeout; say so at load, not at listen.
    if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['headersTimeoutMs'],
        input: limits.headersTimeoutMs,
        message: `expected at most requestTimeoutMs (${limits.requestTimeoutMs}), got ${limits.headersTimeoutMs}`,
      })
    }
  })
  .prefault({})

/** The edge router's part of an instance's configuration (beside the shared `admin` and `stateDir`). */
export const edgeInstanceSchema = z
  .strictObject({
    /** Plain HTTP listeners: `0.0.0.0:8080`, `[::]:8080`. */
    listen: z.array(listenAddressSchema).default([]),
    tls: tlsSchema.optional(),
    /** The router's own locality: balancing prefers endpoints in its zone, then its region. */
    region: labelValue.optional(),
    zone: labelValue.optional(),
    limits: clientLimitsSchema,
    /**
     * Peers whose X-Forwarded-For/-Proto/-Host and Forwarded headers are believed (a load balancer in
     * front); from anyone else they are replaced. Empty: trust none.
     */
    trustedProxies: z.array(cidrSchema).default([]),
    /**
     * A path the router answers itself, on every listener and for any host (HAProxy's `monitor-uri`):
     * 200 while it serves, 503 once it is shutting down. What a DNS health check or a load balancer in
     * front probes: the router's own state, never shed or queued behind a busy pool. None: no such path.
     */
    monitorPath: z
      .string()
      .regex(/^\/[^?#\s]*$/, 'expected a path such as /.nines/health (no query, no spaces)')
      .optional(),
    /** Adds which endpoint served and how many attempts it took to responses; off: it tells clients topology. */
    debugHeaders: z.boolean().default(false),
    /** The response cache shared by every route of this process, bounded in bytes (`edgeCacheSchema`). */
    cache: edgeCacheSchema,
    /**
     * On SIGTERM, requests in flight get this long to finish after the listeners stop accepting; upgraded
     * connections (WebSocket) are closed at the end of it, then whatever is left is cut.
     */
    shutdownTimeoutMs: z.number().int().min(0).max(600_000).default(10_000),
  })
  .superRefine((edge, ctx) => {
    if (edge.listen.length === 0 && edge.tls === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['listen'],
        input: edge.listen,
        message: 'expected at least one listen address (or tls.listen)',
      })
    }
    const seen = new Map<string, string>()
    for (const [value, path] of edgeListenClaims(edge)) {
      const first = seen.get(value)
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: path.slice(1),
          input: value,
          message: `${value} is also ${first}`,
        })
      } else seen.set(value, formatPath(path.slice(1)))
    }
  })

// ['tls', 'listen', 1] → tls.listen[1], as messages name places.
function formatPath(path: readonly (string | number)[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? key : `.${key}`)).join('')
}

export type EdgeInstanceInput = z.input<typeof edgeInstanceSchema>
export type EdgeInstance = z.output<typeof edgeInstanceSchema>
export type ClientLimits = z.output<typeof clientLimitsSchema>
export type TlsOptions = z.output<typeof tlsSchema>

/**
 * What an edge entry occupies, as `checkInstanceClaims` of @nines/daemon takes it: `listen <address>`
 * with its path below the instance. nines-dns claims `listen <address>` too, so an edge and a DNS
 * server on one TCP address clash in one file.
 */
export function edgeListenClaims(
  edge: Pick<EdgeInstance, 'listen' | 'tls'>,
): (readonly [claim: string, path: readonly (string | number)[]])[] {
  return [
    ...edge.listen.map((address, i) => [`listen ${address}`, ['edge', 'listen', i]] as const),
    ...(edge.tls?.listen ?? []).map(
      (address, i) => [`listen ${address}`, ['edge', 'tls', 'listen', i]] as const,
    ),
  ]
}
