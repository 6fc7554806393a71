import { createServer as createHttpServer } from 'node:http'
import { createSecureServer } from 'node:http2'
import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { CertificateStore } from '@nines/tls'
import { listenStream, type StreamListener } from '../dot.js'
import type { SocketCounters } from '../socket-counters.js'
import type { ListenAddress } from '../listen-address.js'
import { admitConnection, type ConnectionOptions } from '../tcp.js'
import { throttledLog } from '../throttled-log.js'
import type { ProxyCheck } from './client-address.js'
import type { DohRequest, DohResponse } from './request.js'

export interface DohListenOptions extends ConnectionOptions {
  onRequest: (req: DohRequest, res: DohResponse) => void
  /** Trusted proxies are exempt from maxConnectionsPerSource: behind one, every client is that source. */
  trusted: ProxyCheck
}

/** RFC 8484 clients (browsers, stub resolvers) multiplex; 100 is what RFC 9113 recommends at least. */
export const MAX_CONCURRENT_STREAMS = 100

/**
 * DoH over TLS: HTTP/2 and HTTP/1.1 chosen by ALPN (node:http2 with `allowHTTP1`), certificates by SNI
 * from `certificates`. Connections count against the DNS server's stream budget before the handshake;
 * the handshake must finish within `messageTimeoutMs`, and an idle connection (HTTP/2 session or
 * HTTP/1.1 keep-alive) is closed after `idleTimeoutMs`.
 */
export function listenDohTls(
  address: ListenAddress,
  certificates: CertificateStore,
  options: DohListenOptions,
): Promise<StreamListener> {
  const { counters } = options
  const logError = throttledLog(options.logger, 'warn')
  const fallback = certificates.defaultCertificate()
  const server = createSecureServer(
    {
      allowHTTP1: true,
      cert: fallback.cert,
      key: fallback.key,
      SNICallback: certificates.sniCallback,
      handshakeTimeout: options.messageTimeoutMs,
      settings: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS },
      // A DoH stream carries at most 64 KiB each way; the default 10 MB session memory is ample.
    },
    (req, res) => {
      if (req.httpVersionMajor === 1) http1Request(req.socket, res)
      options.onRequest(req, res)
    },
  )
  server.setTimeout(options.idleTimeoutMs)
  // node:http2's HTTP/1.1 fallback has no headersTimeout of its own (node:http's checker is not set up).
  server.on('secureConnection', (socket: TLSSocket) => {
    if (socket.alpnProtocol !== 'h2') guardHttp1(socket, options.messageTimeoutMs, counters)
  })
  server.on('connection', (socket: Socket) => admit(socket, address, options))
  server.on('tlsClientError', (error, socket) => {
    counters.tlsHandshakeErrors++
    socket.destroy()
    logError({ err: error.message, client: socket.remoteAddress }, 'DoH handshake failed')
  })
  server.on('sessionError', (error) => {
    counters.tcpErrors++
    logError({ err: error.message }, 'DoH HTTP/2 session error')
  })
  return listenStream(
    server,
    address,
    (error) => logError({ err: error }, 'DoH server error'),
    (c) => server.setSecureContext({ cert: c.cert, key: c.key }),
  )
}

/** Plain HTTP/1.1 DoH, for a TLS-terminating proxy in front (trustedProxies names it). */
export function listenDohPlain(address: ListenAddress, options: DohListenOptions): Promise<StreamListener> {
  const logError = throttledLog(options.logger, 'warn')
  const server = createHttpServer(
    {
      // Slowloris: the request line and headers, and then the whole request, within the message deadline.
      headersTimeout: options.messageTimeoutMs,
      requestTimeout: options.messageTimeoutMs,
      keepAliveTimeout: options.idleTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, options.messageTimeoutMs / 4)),
      noDelay: true,
    },
    options.onRequest,
  )
  server.timeout = options.idleTimeoutMs
  server.on('connection', (socket: Socket) => admit(socket, address, options))
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      // headersTimeout or requestTimeout: a slow client, not a bad one.
      options.counters.tcpMessageTimeouts++
      socket.destroy()
      return
    }
    options.counters.dohBadRequests++
    // Unparseable HTTP: say 400 and close (a client still writing would keep a half-closed socket).
    if (socket.writable && error.code !== 'ECONNRESET') {
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n', () =>
        socket.destroy(),
      )
    } else socket.destroy()
  })
  return listenStream(server, address, (error) => logError({ err: error }, 'DoH server error'))
}

interface Http1State {
  inRequest: boolean
  timer: NodeJS.Timeout | undefined
}

const http1States = new WeakMap<object, Http1State>()

/**
 * Slowloris on HTTP/1.1: once a request's first bytes arrive, its headers must complete within
 * `messageTimeoutMs` (the deadline is armed per request, so an idle keep-alive connection is left to
 * the idle timeout and a slow but steady client is served).
 */
function guardHttp1(socket: TLSSocket, timeoutMs: number, counters: SocketCounters): void {
  const state: Http1State = { inRequest: false, timer: undefined }
  http1States.set(socket, state)
  socket.on('data', () => {
    if (state.inRequest || state.timer !== undefined) return
    state.timer = setTimeout(() => {
      counters.tcpMessageTimeouts++
      socket.destroy()
    }, timeoutMs)
  })
  socket.once('close', () => clearTimeout(state.timer))
}

/** Headers complete: the request's own handling (body deadline included) takes over until it is answered. */
function http1Request(
  socket: object,
  res: { once(event: 'finish' | 'close', fn: () => void): unknown },
): void {
  const state = http1States.get(socket)
  if (state === undefined) return
  clearTimeout(state.timer)
  state.timer = undefined
  state.inRequest = true
  const done = (): void => {
    state.inRequest = false
  }
  res.once('finish', done)
  res.once('close', done)
}

function admit(socket: Socket, address: ListenAddress, options: DohListenOptions): void {
  admitConnection(socket, address.family, options, options.trusted(socket.remoteAddress ?? ''))
}
