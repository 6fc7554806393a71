import type { Server as NetServer } from 'node:net'
import { createServer, type Server, type TLSSocket } from 'node:tls'
import type { CertificateStore, LoadedCertificate } from '@nines/tls'
import type { ListenAddress } from './listen-address.js'
import { admitConnection, serveConnection, type ConnectionOptions } from './tcp.js'
import { throttledLog } from './throttled-log.js'

export interface StreamListener {
  readonly port: number
  close(): Promise<void>
  /** For a TLS listener: the certificate for clients without SNI changed (CertificateStore reload). */
  setDefaultCertificate?(certificate: LoadedCertificate): void
}

/**
 * DNS over TLS (RFC 7858) on `address`: the TCP listener's framing, pipelining and limits on a TLS
 * socket. The connection budget is checked on the raw socket before the handshake, so a flood of
 * half-open handshakes cannot take more slots than plain TCP; the handshake must finish within
 * `messageTimeoutMs`. Certificates come from `certificates` by SNI, so a reload reaches new handshakes.
 */
export function listenDot(
  address: ListenAddress,
  certificates: CertificateStore,
  options: ConnectionOptions,
): Promise<StreamListener> {
  const { counters } = options
  const logError = throttledLog(options.logger, 'warn')
  const fallback = certificates.defaultCertificate()
  const server: Server = createServer(
    {
      cert: fallback.cert,
      key: fallback.key,
      SNICallback: certificates.sniCallback,
      ALPNProtocols: ['dot'],
      handshakeTimeout: options.messageTimeoutMs,
      allowHalfOpen: true,
    },
    (socket: TLSSocket) => {
      socket.setNoDelay(true)
      socket.on('error', (error) => {
        counters.tcpErrors++
        logError({ err: error, client: socket.remoteAddress }, 'DoT connection error')
      })
      serveConnection(socket, address.family, options, 'dot')
    },
  )
  // Before the handshake: the raw socket is what the budget counts and what close() destroys.
  server.on('connection', (socket) => admitConnection(socket, address.family, options))
  server.on('tlsClientError', (error, socket) => {
    counters.tlsHandshakeErrors++
    socket.destroy()
    logError({ err: error.message, client: socket.remoteAddress }, 'DoT handshake failed')
  })
  return listenStream(
    server,
    address,
    (error) => logError({ err: error }, 'DoT server error'),
    (c) => server.setSecureContext({ cert: c.cert, key: c.key }),
  )
}

/** Listens on `address`; after listening, errors (EMFILE on accept) go to `onError`, never thrown. */
export function listenStream(
  server: NetServer,
  address: ListenAddress,
  onError: (error: Error) => void,
  setDefaultCertificate?: (certificate: LoadedCertificate) => void,
): Promise<StreamListener> {
  return new Promise((resolve, reject) => {
    const onListenError = (error: Error): void => {
      server.close()
      reject(error)
    }
    server.once('error', onListenError)
    server.listen({ host: address.host, port: address.port, ipv6Only: address.family === 6 }, () => {
      server.off('error', onListenError)
      server.on('error', onError)
      const bound = server.address()
      resolve({
        port: typeof bound === 'object' && bound !== null ? bound.port : address.port,
        close: () => new Promise<void>((done) => server.close(() => done())),
        ...(setDefaultCertificate ? { setDefaultCertificate } : {}),
      })
    })
  })
}
