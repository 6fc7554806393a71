import type { Server } from 'node:http'
import type { Logger } from '@nines/core'
import type { ConnectionTracker } from './tracker.js'

export interface CloseOptions {
  /** How long in-flight requests and tunnels get before they are cut; default 10 000 ms. */
  readonly deadlineMs?: number
}

export interface CloseResult {
  /** Requests that completed after close began. */
  readonly finished: number
  /** Requests and upgraded connections destroyed at the deadline. */
  readonly forced: number
  /** Upgraded connections that closed after being ended (before the deadline). */
  readonly upgradesClosed: number
}

/**
 * Graceful close, in the order that loses the least work: stop accepting (the listening sockets close
 * at once, so a successor can bind), close idle keep-alive connections, let requests in flight finish
 * (their responses say `Connection: close`), then end upgraded tunnels — last, because they are long-
 * lived and ending them earlier buys nothing — and at the deadline destroy whatever is left.
 */
export async function closeGracefully(
  servers: readonly Server[],
  tracker: ConnectionTracker,
  options: CloseOptions,
  logger: Logger,
): Promise<CloseResult> {
  const deadline = Date.now() + (options.deadlineMs ?? 10_000)
  tracker.beginClose()
  const closed = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())))
  for (const server of servers) server.closeIdleConnections()
  logger.info(
    { inFlight: tracker.requests.size, upgrades: tracker.upgrades.size, connections: tracker.sockets.size },
    'listeners closing',
  )

  await tracker.until(() => tracker.requests.size === 0, deadline)
  const upgrades = tracker.upgrades.size
  for (const socket of tracker.upgrades) socket.end()
  await tracker.until(() => tracker.upgrades.size === 0, deadline)
  const upgradesClosed = upgrades - tracker.upgrades.size

  // Read before destroying: a destroyed request's 'close' would count it as finished.
  const finished = tracker.finishedWhileClosing
  const forced = tracker.requests.size + tracker.upgrades.size
  for (const res of tracker.requests) res.req.socket.destroy()
  for (const socket of tracker.upgrades) socket.destroy()
  // Left: connections without a request (half-sent headers, TLS handshakes, idle ones that raced).
  for (const socket of tracker.sockets) socket.destroy()
  for (const server of servers) server.closeAllConnections()
  await Promise.all(closed)
  // Destroyed sockets report 'close' a tick later; wait so connections() reads 0 once this resolves.
  await tracker.until(() => tracker.sockets.size === 0, Date.now() + 1000)

  const result = { finished, forced, upgradesClosed }
  logger.info(result, 'listeners closed')
  return result
}
