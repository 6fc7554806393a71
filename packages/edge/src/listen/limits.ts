import type { Server as HttpServer, ServerOptions } from 'node:http'
import type { Server as HttpsServer } from 'node:https'
import type { ClientLimits } from '../routes/edge-schema.js'

// maxHeaderSize is a writable property Node reads per connection, though @types/node omits it.
type AnyServer = (HttpServer | HttpsServer) & { maxHeaderSize?: number }

/**
 * How often Node sweeps connections for expired headers/request timeouts. Its default (30 s) would let
 * a 10 s headersTimeout hold a slow client for up to 40 s; a quarter of the shortest timeout, at most
 * 1 s, keeps the real limit within 25 % of the configured one at negligible cost.
 */
export function checkingIntervalMs(
  limits: Pick<ClientLimits, 'headersTimeoutMs' | 'requestTimeoutMs'>,
): number {
  const shortest = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs)
  return Math.max(25, Math.min(1000, Math.floor(shortest / 4)))
}

/** node:http options for the client limits (maxBodyBytes is the body stage's, not the socket's). */
export function serverOptions(limits: ClientLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    maxHeaderSize: limits.maxHeaderBytes,
    connectionsCheckingInterval: checkingIntervalMs(limits),
  }
}

/**
 * Applies new limits to running servers and returns the names of those that need a restart. Node reads
 * the timeouts on every sweep and maxHeaderSize per new connection, so those apply at once; the sweep
 * interval and the TLS handshake timeout are fixed when a server is created.
 */
export function applyLimits(
  servers: readonly AnyServer[],
  tlsServers: number,
  running: ClientLimits,
  limits: ClientLimits,
): string[] {
  for (const server of servers) {
    server.headersTimeout = limits.headersTimeoutMs
    server.requestTimeout = limits.requestTimeoutMs
    server.keepAliveTimeout = limits.keepAliveTimeoutMs
    server.maxHeaderSize = limits.maxHeaderBytes
    server.maxConnections = limits.maxConnections
  }
  const needRestart: string[] = []
  if (checkingIntervalMs(limits) !== checkingIntervalMs(running))
    needRestart.push('connectionsCheckingInterval')
  if (tlsServers > 0 && limits.headersTimeoutMs !== running.headersTimeoutMs)
    needRestart.push('handshakeTimeout')
  return needRestart
}
