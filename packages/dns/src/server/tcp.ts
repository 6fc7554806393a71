import { createServer, type Server, type Socket } from 'node:net'
import type { Logger } from '@nines/core'
import { parseIPv6 } from '@nines/wire'
import { FrameReader } from './framing.js'
import type { ListenAddress } from './listen-address.js'
import type { SocketCounters } from './socket-counters.js'
import { throttledLog } from './throttled-log.js'
import type { QueryClient, QueryHandler } from './types.js'

/*
 * Why not dns2's TCPServer (3.1.1), though dns2 is a dependency:
 * - it parses every frame with dns2's Packet before the handler, so the raw bytes the fast path,
 *   the question echo and the ECS echo work from are lost (and each query pays dns2's slow decode);
 * - a frame it cannot parse destroys the connection instead of being answered with FORMERR;
 * - it has no connection limit;
 * - dns2.createServer builds `new TCPServer()` without options, so its idleTimeout cannot be set.
 * Framing is small (framing.ts); owning it also gives the per-connection buffer cap and backpressure.
 */

export interface TcpOptions {
  /** Open connections across all TCP listeners; one more is closed at once. Default 256. */
  maxConnections: number
  /**
   * Open connections from one client address (IPv4) or /64 (IPv6); one more is closed at once, so a
   * few sources cannot take every slot (RFC 7766 §10). Default 16.
   */
  maxConnectionsPerSource: number
  /** A connection with no traffic for this long is closed (RFC 7766 §6.2.3). Default 10 s. */
  idleTimeoutMs: number
  /**
   * A message whose first byte has arrived must be complete within this time, else the connection
   * is closed: a client trickling bytes cannot hold a connection by staying just short of idle. Default 3 s.
   */
  messageTimeoutMs: number
}

export const DEFAULT_TCP_OPTIONS: TcpOptions = Object.freeze({
  maxConnections: 256,
  maxConnectionsPerSource: 16,
  idleTimeoutMs: 10_000,
  messageTimeoutMs: 3_000,
})

export interface TcpListenerOptions extends TcpOptions {
  handler: QueryHandler
  counters: SocketCounters
  logger: Logger
  /** Shared by every listener of one DnsServer, so maxConnections is one budget. */
  connections: Set<Socket>
  /** Open connections by client address, shared like `connections`. */
  perSource: Map<string, number>
}

export interface TcpListener {
  readonly port: number
  close(): Promise<void>
}

const LENGTH_BYTES = 2

/** What one connection needs: limits, the handler and the shared budget. */
export type ConnectionOptions = TcpListenerOptions

/**
 * Admits a new connection under the shared budget (maxConnections across every stream listener,
 * maxConnectionsPerSource per client address), or destroys it and returns false. An admitted socket
 * is counted open until it closes. DoT and DoH call this on the raw socket, before the TLS handshake.
 */
export function admitConnection(
  socket: Socket,
  family: 4 | 6,
  options: ConnectionOptions,
  exemptFromPerSource = false,
): boolean {
  const { connections, counters, perSource } = options
  if (connections.size >= options.maxConnections) {
    counters.tcpRejected++
    socket.destroy()
    return false
  }
  const source = sourceKey(socket.remoteAddress ?? '', family)
  const fromSource = perSource.get(source) ?? 0
  if (!exemptFromPerSource && fromSource >= options.maxConnectionsPerSource) {
    counters.tcpRejectedPerSource++
    socket.destroy()
    return false
  }
  perSource.set(source, fromSource + 1)
  counters.tcpAccepted++
  counters.tcpOpen++
  connections.add(socket)
  socket.once('close', () => {
    connections.delete(socket)
    counters.tcpOpen--
    const left = perSource.get(source)! - 1
    if (left > 0) perSource.set(source, left)
    else perSource.delete(source)
  })
  return true
}

/** A TCP listener on `address` (`port` overrides its port). Rejects with Node's listen error. */
export function listenTcp(
  address: ListenAddress,
  port: number,
  options: TcpListenerOptions,
): Promise<TcpListener> {
  const { counters } = options
  const logError = throttledLog(options.logger, 'warn')
  const server: Server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    if (!admitConnection(socket, address.family, options)) return
    socket.on('error', (error) => {
      counters.tcpErrors++
      logError({ err: error, client: socket.remoteAddress }, 'TCP connection error')
    })
    serveConnection(socket, address.family, options, 'tcp')
  })

  return new Promise((resolve, reject) => {
    const onListenError = (error: Error): void => {
      server.close()
      reject(error)
    }
    server.once('error', onListenError)
    server.listen({ host: address.host, port, ipv6Only: address.family === 6 }, () => {
      server.off('error', onListenError)
      // After listening, e.g. EMFILE on accept: logged, never thrown.
      server.on('error', (error) => logError({ err: error }, 'TCP server error'))
      const bound = server.address()
      resolve({
        port: typeof bound === 'object' && bound !== null ? bound.port : port,
        close: () => new Promise<void>((done) => server.close(() => done())),
      })
    })
  })
}

/**
 * Answers each complete frame in order as soon as it arrives (pipelining, RFC 7766 §6.2.1.1; RFC 7858
 * §3.3 for DoT, where `socket` is the TLSSocket). A
 * frame length below a DNS header ends the connection after the answers before it; an incomplete
 * frame at close is dropped.
 */
export function serveConnection(
  socket: Socket,
  family: 4 | 6,
  options: ConnectionOptions,
  transport: 'tcp' | 'dot',
): void {
  const { handler, counters } = options
  const remote = socket.remoteAddress
  if (remote === undefined) {
    socket.destroy()
    return
  }
  const client: QueryClient = { address: remote, family, port: socket.remotePort ?? 0 }
  const reader = new FrameReader((msg) => {
    const reply = handler(msg, client, transport)
    if (reply !== null) socket.write(frame(reply))
  })
  let closing = false
  // Armed only while a message is incomplete at the end of a chunk: a query that arrives whole (the
  // usual case) never starts a timer.
  let deadline: NodeJS.Timeout | undefined
  let startedAt = 0
  const messageTimedOut = (): void => {
    deadline = undefined
    counters.tcpMessageTimeouts++
    socket.destroy()
  }
  socket.once('close', () => clearTimeout(deadline))

  socket.setTimeout(options.idleTimeoutMs, () => {
    counters.tcpIdleTimeouts++
    socket.destroy()
  })

  socket.on('data', (chunk: Buffer) => {
    if (closing) return
    // The handler never throws, so the cork is always undone.
    socket.cork()
    const intact = reader.push(chunk)
    socket.uncork()
    if (!intact) {
      counters.tcpBadFrames++
      closing = true
      reader.reset()
      clearTimeout(deadline)
      // FIN after the answers already written; the rest of the input is ignored.
      socket.end()
      return
    }
    if (reader.started === 0) {
      if (deadline !== undefined) {
        clearTimeout(deadline)
        deadline = undefined
      }
    } else if (reader.started !== startedAt) {
      // A new message is under way: its own deadline, from now.
      clearTimeout(deadline)
      startedAt = reader.started
      deadline = setTimeout(messageTimedOut, options.messageTimeoutMs)
    }
    // A client that pipelines without reading must not grow our write buffer without bound.
    if (socket.writableNeedDrain) {
      socket.pause()
      // The wait is ours, not the client's: its message gets a fresh deadline once we read again.
      clearTimeout(deadline)
      deadline = undefined
      startedAt = 0
      socket.once('drain', () => socket.resume())
    }
  })

  // The client half-closed after its last query: every complete frame has been answered, so finish.
  socket.on('end', () => {
    clearTimeout(deadline)
    reader.reset()
    if (!closing) socket.end()
  })
}

/**
 * What maxConnectionsPerSource counts by: an IPv4 address, or an IPv6 /64 (one host usually holds a
 * whole /64, so counting single IPv6 addresses would cap nothing).
 */
export function sourceKey(address: string, family: 4 | 6): string {
  if (family === 4) return address
  const bytes = parseIPv6(address)
  return bytes === null ? address : `${bytes.toString('hex', 0, 8)}/64`
}

function frame(reply: Buffer): Buffer {
  const out = Buffer.allocUnsafe(LENGTH_BYTES + reply.length)
  out.writeUInt16BE(reply.length, 0)
  reply.copy(out, LENGTH_BYTES)
  return out
}
