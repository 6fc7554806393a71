import { once } from 'node:events'
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Server as TlsServer } from 'node:tls'
import { InvalidArgumentError, NinesError, noopLogger, type Logger } from '@nines/core'
import { CertificateStore } from '@nines/tls'
import type { ClientLimits, EdgeInstance } from '../routes/edge-schema.js'
import { parseListenAddress } from '../routes/listen-address.js'
import { clientErrorHandler } from './client-error.js'
import { applyLimits, serverOptions } from './limits.js'
import { closeGracefully, type CloseOptions, type CloseResult } from './shutdown.js'
import { ConnectionTracker } from './tracker.js'

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void

export interface ListenersOptions {
  /** The instance's `edge` entry, parsed by edgeInstanceSchema. */
  readonly edge: EdgeInstance
  readonly onRequest: RequestHandler
  /** Without it, Upgrade requests are ordinary requests. Its sockets are tracked for close. */
  readonly onUpgrade?: UpgradeHandler
  readonly logger?: Logger
  /**
   * Requests per client connection; the last is answered with `Connection: close`, so long-lived
   * clients rebalance across edge instances. Default 0 = no cap.
   */
  readonly maxRequestsPerConnection?: number
  /** Reload certificates when their files change; default true. */
  readonly watchCertificates?: boolean
  /** Quiet time after a certificate file event before reloading; default 200 ms. */
  readonly certificateDebounceMs?: number
}

export interface Listeners {
  /** Bound addresses in listen order, plain first: `http://127.0.0.1:8080`, `https://[::1]:8443`. */
  readonly addresses: readonly string[]
  /** Open client connections (TCP, TLS handshakes and tunnels included). */
  connections(): number
  /** Requests whose response has not finished. */
  inFlight(): number
  /** Re-reads certificate files (also automatic on change); rejects if one failed (its old one stays). */
  reloadCertificates(): Promise<void>
  /** Applies new limits to the running servers; returns the names of those that need a restart. */
  setLimits(limits: ClientLimits): string[]
  /**
   * Counts a socket as an upgraded tunnel, closed last on close. Sockets given to onUpgrade are
   * tracked already; this is for any other socket the upgrade handler wants closed with the listeners.
   */
  trackUpgrade(socket: Duplex): void
  close(options?: CloseOptions): Promise<CloseResult>
}

/**
 * Opens the edge's client-facing servers: one node:http server per `listen` address and one
 * node:https server per `tls.listen` address, sharing one request handler, one connection budget
 * (limits.maxConnections) and one certificate store. Rejects (closing what was opened) if a
 * certificate cannot be loaded or an address cannot be bound.
 */
export async function openListeners(options: ListenersOptions): Promise<Listeners> {
  const { edge, onRequest, onUpgrade } = options
  const logger = options.logger ?? noopLogger
  let limits = edge.limits
  const tracker = new ConnectionTracker()
  const servers: Server[] = []
  const addresses: string[] = []

  const certificates = edge.tls
    ? await CertificateStore.open({
        tls: edge.tls,
        logger,
        debounceMs: options.certificateDebounceMs ?? 200,
        onDefaultChange: (certificate) => {
          for (const server of servers) {
            if ('setSecureContext' in server) {
              ;(server as unknown as TlsServer).setSecureContext({
                cert: certificate.cert,
                key: certificate.key,
              })
            }
          }
        },
      })
    : undefined

  const onClientError = clientErrorHandler(logger)
  const maxRequests = options.maxRequestsPerConnection ?? 0
  const served = new WeakMap<object, number>()
  const prepare = (server: Server): Server => {
    server.maxConnections = limits.maxConnections
    server.on('connection', (socket: Socket) => {
      // Node's maxConnections is per server; this makes it one budget over all listeners.
      if (!tracker.addSocket(socket, limits.maxConnections)) {
        logger.debug({ remoteAddress: socket.remoteAddress }, 'connection refused: maxConnections')
        socket.destroy()
      }
    })
    server.on('drop', (data?: { remoteAddress?: string }) =>
      logger.debug({ remoteAddress: data?.remoteAddress }, 'connection refused: maxConnections'),
    )
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      tracker.addRequest(req, res)
      // Not Node's maxRequestsPerSocket: on Node 20 it says `Connection: close` but leaves the socket open.
      if (maxRequests > 0) {
        const count = (served.get(req.socket) ?? 0) + 1
        served.set(req.socket, count)
        if (count >= maxRequests) res.setHeader('connection', 'close')
      }
      try {
        onRequest(req, res)
      } catch (error) {
        // A synchronous throw in the handler would otherwise be an uncaught exception: the whole edge down.
        logger.error({ err: (error as Error).message, url: req.url }, 'request handler threw')
        if (!res.headersSent) res.writeHead(500, { connection: 'close' })
        res.end()
      }
    })
    server.on('clientError', onClientError)
    if (onUpgrade) {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        if (tracker.closing) {
          socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
          return
        }
        tracker.trackUpgrade(socket)
        try {
          onUpgrade(req, socket, head)
        } catch (error) {
          logger.error({ err: (error as Error).message, url: req.url }, 'upgrade handler threw')
          socket.destroy()
        }
      })
    }
    return server
  }

  const open = async (address: string, path: string, tls: boolean): Promise<void> => {
    const parsed = parseListenAddress(address)
    if (parsed === null)
      throw new InvalidArgumentError(`${path}: expected ip:port, got ${JSON.stringify(address)}`)
    let server: Server
    if (tls && certificates) {
      const fallback = certificates.defaultCertificate()
      server = createHttpsServer({
        ...serverOptions(limits),
        cert: fallback.cert,
        key: fallback.key,
        SNICallback: certificates.sniCallback,
        // Node's default is 120 s: a client that never finishes its handshake is a slowloris too.
        handshakeTimeout: limits.headersTimeoutMs,
      })
    } else {
      server = createHttpServer(serverOptions(limits))
    }
    servers.push(prepare(server))
    // ipv6Only: `[::]:8080` and `0.0.0.0:8080` are separate entries, each binding only its family.
    server.listen({ host: parsed.host, port: parsed.port, ipv6Only: parsed.family === 6 })
    try {
      // once() rejects on 'error' (EADDRINUSE, EADDRNOTAVAIL…).
      await once(server, 'listening')
    } catch (cause) {
      throw listenError(path, address, cause)
    }
    const bound = server.address() as AddressInfo
    const host = parsed.family === 6 ? `[${bound.address}]` : bound.address
    addresses.push(`${tls ? 'https' : 'http'}://${host}:${bound.port}`)
    logger.info({ address: addresses.at(-1) }, 'listening')
  }

  try {
    for (const [i, address] of edge.listen.entries()) await open(address, `listen[${i}]`, false)
    for (const [i, address] of (edge.tls?.listen ?? []).entries())
      await open(address, `tls.listen[${i}]`, true)
  } catch (error) {
    certificates?.close()
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))))
    throw error
  }
  if (options.watchCertificates ?? true) certificates?.watch()

  const tlsServers = edge.tls?.listen.length ?? 0
  let closing: Promise<CloseResult> | undefined
  return {
    addresses,
    connections: () => tracker.sockets.size,
    inFlight: () => tracker.requests.size,
    reloadCertificates: () => certificates?.reload() ?? Promise.resolve(),
    setLimits(next) {
      const needRestart = applyLimits(servers, tlsServers, limits, next)
      limits = next
      return needRestart
    },
    trackUpgrade: (socket) => tracker.trackUpgrade(socket),
    close(closeOptions = {}) {
      certificates?.close()
      closing ??= closeGracefully(servers, tracker, closeOptions, logger)
      return closing
    },
  }
}

function listenError(path: string, address: string, cause: unknown): NinesError {
  const code = (cause as NodeJS.ErrnoException).code
  if (code === 'EADDRINUSE') {
    return new NinesError('NINES_ERR_ADDRESS_IN_USE', `${path}: ${address} is already in use`, { cause })
  }
  return new NinesError(
    'NINES_ERR_LISTEN_FAILED',
    `${path}: cannot listen on ${address}: ${code ?? (cause as Error).message}`,
    {
      cause,
    },
  )
}
