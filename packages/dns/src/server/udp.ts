import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import type { LookupOneOptions } from 'node:dns'
import type { Logger } from '@nines/core'
import type { ListenAddress } from './listen-address.js'
import { slipResponse, type ResponseRateLimiter } from './rrl.js'
import type { SocketCounters } from './socket-counters.js'
import { throttledLog } from './throttled-log.js'
import type { QueryClient, QueryHandler } from './types.js'

export interface UdpListenerOptions {
  handler: QueryHandler
  counters: SocketCounters
  logger: Logger
  rrl?: ResponseRateLimiter
  /** Kernel receive and send buffers, so a burst is queued rather than dropped; default 4 MiB. */
  socketBufferBytes?: number
}

export interface UdpListener {
  readonly port: number
  close(): Promise<void>
}

const DEFAULT_SOCKET_BUFFER_BYTES = 4 << 20

/**
 * `send` resolves the destination through the socket's `lookup` even for an IP literal (dns.lookup
 * then costs a RegExp and a nextTick). A reply always goes to the sender's literal address, so this
 * hands it back synchronously; `send` then runs straight through.
 */
function literalLookup(
  host: string,
  _options: LookupOneOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  callback(null, host, host.includes(':') ? 6 : 4)
}

/**
 * One UDP socket on `address` (`port` overrides its port). Each datagram is handled synchronously
 * and its reply sent at once: one parse, one lookup, one allocation, one send. Rejects with Node's
 * bind error (EADDRINUSE, ...).
 */
export function listenUdp(
  address: ListenAddress,
  port: number,
  options: UdpListenerOptions,
): Promise<UdpListener> {
  const { handler, counters, rrl } = options
  const logError = throttledLog(options.logger, 'warn')
  const socket: Socket = createSocket({
    type: address.family === 6 ? 'udp6' : 'udp4',
    ipv6Only: address.family === 6,
    lookup: literalLookup,
  })
  // One object per socket: the handler reads it synchronously and never keeps it.
  const client: QueryClient = { address: '', family: address.family, port: 0 }

  function onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    // dgram's send throws on port 0, and a throw here would be an uncaught exception.
    if (rinfo.port === 0) {
      counters.udpBadSourcePort++
      return
    }
    client.address = rinfo.address
    client.port = rinfo.port
    try {
      let reply = handler(msg, client, 'udp')
      if (reply === null) return
      if (rrl !== undefined) {
        const decision = rrl.check(rinfo.address, address.family)
        if (decision === 'drop') {
          counters.rrlDropped++
          return
        }
        if (decision === 'slip') {
          counters.rrlSlipped++
          reply = slipResponse(reply)
        }
      }
      // The 3-argument form skips the offset/length slice; no callback skips the completion request.
      socket.send(reply, rinfo.port, rinfo.address)
    } catch (error) {
      counters.udpErrors++
      logError({ err: error, client: rinfo.address }, 'UDP reply failed')
    }
  }

  return new Promise((resolve, reject) => {
    const onBindError = (error: Error): void => {
      socket.close()
      reject(error)
    }
    socket.once('error', onBindError)
    socket.bind(port, address.host, () => {
      socket.off('error', onBindError)
      socket.on('error', (error) => {
        counters.udpErrors++
        logError({ err: error }, 'UDP socket error')
      })
      socket.on('message', onMessage)
      setBufferSizes(socket, options.socketBufferBytes ?? DEFAULT_SOCKET_BUFFER_BYTES, options.logger)
      resolve({
        port: socket.address().port,
        close: () =>
          new Promise<void>((done) => {
            try {
              socket.close(() => done())
            } catch {
              done() // already closed
            }
          }),
      })
    })
  })
}

function setBufferSizes(socket: Socket, bytes: number, logger: Logger): void {
  try {
    socket.setRecvBufferSize(bytes)
    socket.setSendBufferSize(bytes)
  } catch (error) {
    // The kernel clamps to net.core.rmem_max / wmem_max; a refusal only costs burst headroom.
    logger.warn({ err: error, bytes }, 'could not enlarge the UDP socket buffers')
  }
}
