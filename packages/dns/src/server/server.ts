import type { Socket } from 'node:net'
import { InvalidArgumentError, NinesError, noopLogger, type Clock, type Logger } from '@nines/core'
import { formatListenAddress, parseListenAddress, type ListenAddress } from './listen-address.js'
import { ResponseRateLimiter, type RrlOptions } from './rrl.js'
import { SocketCounters } from './socket-counters.js'
import { tcpOptionsSchema } from './schema.js'
import { listenTcp, type TcpListener, type TcpOptions } from './tcp.js'
import type { QueryHandler } from './types.js'
import { listenUdp, type UdpListener } from './udp.js'

export interface DnsServerOptions {
  handler: QueryHandler
  /**
   * Where the socket layer counts; pass the handler's `queryCounters.socket` so that one snapshot
   * (summed across cluster workers) carries both. Default: counters of its own.
   */
  counters?: SocketCounters
  logger?: Logger
  /** tcpOptionsSchema; defaults: maxConnections 256, maxConnectionsPerSource 16, idleTimeoutMs 10 000, messageTimeoutMs 3 000. */
  tcp?: Partial<TcpOptions>
  /** Per-source response rate limiting for UDP (rrlSchema); off unless `enabled`. */
  rrl?: RrlOptions
  /** The RRL's time source (monotonic ms); default `performance.now()`. */
  rrlClock?: Pick<Clock, 'now'>
  /** UDP kernel receive and send buffers; default 4 MiB (clamped by net.core.rmem_max / wmem_max). */
  socketBufferBytes?: number
}

/** One bound listen address: UDP and TCP on the same port. */
export interface BoundAddress {
  /** The IP literal as given, without brackets. */
  address: string
  /** The real port (the one chosen when 0 was asked for). */
  port: number
  udp: boolean
  tcp: boolean
}

// How often a port-0 address retries when the port UDP got is taken for TCP.
const PORT_ZERO_ATTEMPTS = 8

/**
 * The authoritative server's sockets: UDP and TCP on each listen address, every message handed to
 * one QueryHandler. Socket errors are logged and counted, never thrown.
 */
export class DnsServer {
  /** Socket-layer counters (`options.counters` when given); query counters belong to the handler. */
  readonly counters: SocketCounters
  private readonly handler: QueryHandler
  private readonly logger: Logger
  private readonly tcpOptions: TcpOptions
  private readonly rrl: ResponseRateLimiter | undefined
  private readonly socketBufferBytes: number | undefined
  private readonly connections = new Set<Socket>()
  private readonly perSource = new Map<string, number>()
  private readonly listeners: (UdpListener | TcpListener)[] = []
  private closed = false

  constructor(options: DnsServerOptions) {
    if (typeof options.handler !== 'function') {
      throw new InvalidArgumentError('handler: expected a function from createQueryHandler')
    }
    this.handler = options.handler
    this.counters = options.counters ?? new SocketCounters()
    this.logger = options.logger ?? noopLogger
    const tcp = tcpOptionsSchema.safeParse(options.tcp ?? {})
    if (!tcp.success) {
      const issue = tcp.error.issues[0]
      throw new InvalidArgumentError(`tcp.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`)
    }
    this.tcpOptions = tcp.data
    this.rrl = options.rrl?.enabled ? new ResponseRateLimiter(options.rrl, options.rrlClock) : undefined
    this.socketBufferBytes = options.socketBufferBytes
  }

  /**
   * Binds UDP and TCP on each address (`127.0.0.1:5300`, `[::1]:5300`; port 0 picks one free port
   * for both). All or nothing: on an error the addresses bound by this call are closed again.
   * Throws InvalidArgumentError for a malformed address, NinesError NINES_ERR_ADDRESS_IN_USE
   * (`udp 127.0.0.1:5300: address already in use`) or NINES_ERR_LISTEN_FAILED for other bind errors.
   */
  async listen(addresses: readonly string[]): Promise<BoundAddress[]> {
    if (this.closed) throw new NinesError('NINES_ERR_SERVER_CLOSED', 'the DNS server is closed')
    const parsed = addresses.map((text, i) => {
      const address = parseListenAddress(text)
      if (address === null) {
        throw new InvalidArgumentError(
          `addresses[${i}]: expected ip:port or [ipv6]:port, such as 127.0.0.1:5300 or [::1]:5300, got ${JSON.stringify(text)}`,
        )
      }
      return address
    })
    const opened: (UdpListener | TcpListener)[] = []
    const bound: BoundAddress[] = []
    try {
      for (const address of parsed) {
        const { udp, tcp } = await this.bindBoth(address)
        opened.push(udp, tcp)
        bound.push({ address: address.host, port: udp.port, udp: true, tcp: true })
      }
    } catch (error) {
      await Promise.all(opened.map((listener) => listener.close()))
      throw error
    }
    this.listeners.push(...opened)
    for (const b of bound) {
      this.logger.info({ address: b.address, port: b.port }, 'DNS server listening on UDP and TCP')
    }
    return bound
  }

  /** Stops accepting, closes every socket and open TCP connection. Idempotent. */
  async close(): Promise<void> {
    this.closed = true
    const listeners = this.listeners.splice(0)
    for (const socket of this.connections) socket.destroy()
    await Promise.all(listeners.map((listener) => listener.close()))
  }

  private async bindBoth(address: ListenAddress): Promise<{ udp: UdpListener; tcp: TcpListener }> {
    const udpOptions = {
      handler: this.handler,
      counters: this.counters,
      logger: this.logger,
      rrl: this.rrl,
      socketBufferBytes: this.socketBufferBytes,
    }
    const tcpOptions = {
      ...this.tcpOptions,
      handler: this.handler,
      counters: this.counters,
      logger: this.logger,
      connections: this.connections,
      perSource: this.perSource,
    }
    for (let attempt = 1; ; attempt++) {
      let udp: UdpListener
      try {
        udp = await listenUdp(address, address.port, udpOptions)
      } catch (error) {
        throw listenError('udp', address, error)
      }
      try {
        return { udp, tcp: await listenTcp(address, udp.port, tcpOptions) }
      } catch (error) {
        await udp.close()
        // The port UDP was given may be taken for TCP; another free port probably is not.
        if (address.port === 0 && errnoCode(error) === 'EADDRINUSE' && attempt < PORT_ZERO_ATTEMPTS) continue
        throw listenError('tcp', { ...address, port: udp.port }, error)
      }
    }
  }
}

function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

function listenError(transport: 'udp' | 'tcp', address: ListenAddress, cause: unknown): NinesError {
  const where = `${transport} ${formatListenAddress(address)}`
  const code = errnoCode(cause)
  if (code === 'EADDRINUSE') {
    return new NinesError('NINES_ERR_ADDRESS_IN_USE', `${where}: address already in use`, { cause })
  }
  const reason = cause instanceof Error ? cause.message : String(cause)
  return new NinesError('NINES_ERR_LISTEN_FAILED', `${where}: ${reason}`, { cause })
}
