import type { Socket } from 'node:net'
import { InvalidArgumentError, NinesError, noopLogger, type Clock, type Logger } from '@nines/core'
import { CertificateStore, type TlsCertificatesOptions } from '@nines/tls'
import { compileTrustedProxies, type ProxyCheck } from './doh/client-address.js'
import { listenDohPlain, listenDohTls } from './doh/listen.js'
import { createDohRequestListener, type DohRequest, type DohResponse } from './doh/request.js'
import type { DohOptions, DohOptionsInput } from './doh-schema.js'
import { dohSchema } from './doh-schema.js'
import { listenDot, type StreamListener } from './dot.js'
import { formatListenAddress, parseListenAddress, type ListenAddress } from './listen-address.js'
import { ResponseRateLimiter, type RrlOptions } from './rrl.js'
import { SocketCounters } from './socket-counters.js'
import { tcpOptionsSchema, type ServerOptions } from './schema.js'
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
  /** Certificates of the DoH and DoT listeners (`dns.tls`); needed by listenDoh with TLS and listenDot. */
  tls?: TlsCertificatesOptions
  /** DoH paths, CORS and trusted proxies (dohSchema; `listen` and `plainListen` are ignored here). */
  doh?: Partial<Omit<DohOptionsInput, 'listen' | 'plainListen'>>
  /** Reload the certificates when their files change; default true. */
  watchCertificates?: boolean
  /** Quiet time after a certificate file event before reloading; default 200 ms. */
  certificateDebounceMs?: number
}

/** One bound DoH or DoT address. */
export interface BoundStream {
  address: string
  port: number
  /** `https://127.0.0.1:8443/dns-query`, `http://...` (plainListen), `tls://127.0.0.1:8853` (DoT). */
  url: string
}

/** What `listenAll` bound: UDP+TCP, and DoH and DoT when configured. */
export interface BoundListeners {
  dns: BoundAddress[]
  doh?: BoundStream[]
  dot?: BoundStream[]
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
  private readonly listeners: (UdpListener | TcpListener | StreamListener)[] = []
  private closed = false
  private readonly tls: TlsCertificatesOptions | undefined
  private certificates: Promise<CertificateStore> | undefined
  private readonly doh: DohOptions
  private readonly trusted: ProxyCheck
  private readonly dohRrl: ResponseRateLimiter | undefined

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
    this.tls = options.tls
    // The schema's own defaults and checks; its addresses are listenDoh's arguments, so a placeholder
    // satisfies "listen or plainListen" here.
    const doh = dohSchema.safeParse({ ...options.doh, listen: [], plainListen: ['127.0.0.1:0'] })
    if (!doh.success) {
      const issue = doh.error.issues[0]
      throw new InvalidArgumentError(`doh.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`)
    }
    this.doh = doh.data
    this.trusted = compileTrustedProxies(this.doh.trustedProxies)
    // Buckets of its own: a client's DoH queries do not spend its UDP budget.
    this.dohRrl = options.rrl?.enabled ? new ResponseRateLimiter(options.rrl, options.rrlClock) : undefined
    this.watchCertificates = options.watchCertificates ?? true
    this.certificateDebounceMs = options.certificateDebounceMs
  }

  private readonly watchCertificates: boolean
  private readonly certificateDebounceMs: number | undefined

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

  /**
   * Everything an instance's `dns` section asks for: UDP and TCP on `listen`, DoH on `doh.listen`
   * (TLS) and `doh.plainListen`, DoT on `dot.listen`. The DoH paths, CORS and proxies come from the
   * constructor's `doh`, the certificates from its `tls`.
   */
  async listenAll(dns: Pick<ServerOptions, 'listen' | 'doh' | 'dot'>): Promise<BoundListeners> {
    const out: BoundListeners = { dns: await this.listen(dns.listen) }
    try {
      if (dns.doh !== undefined) {
        out.doh = [
          ...(await this.listenDoh(dns.doh.listen, { tls: true })),
          ...(await this.listenDoh(dns.doh.plainListen, { tls: false })),
        ]
      }
      if (dns.dot !== undefined) out.dot = await this.listenDot(dns.dot.listen)
    } catch (error) {
      await this.close()
      throw error
    }
    return out
  }

  /**
   * DNS over HTTPS (RFC 8484, and the JSON form) on each address: with `tls`, HTTP/2 and HTTP/1.1 by
   * ALPN with the constructor's certificates; without, plain HTTP/1.1 for a proxy in front. Same
   * errors as `listen`; NINES_ERR_CERTIFICATE_READ / _INVALID when the certificates cannot be loaded.
   */
  async listenDoh(addresses: readonly string[], { tls }: { tls: boolean }): Promise<BoundStream[]> {
    const transport = tls ? 'doh' : 'doh-plain'
    const onRequest: (req: DohRequest, res: DohResponse) => void = createDohRequestListener({
      handler: this.handler,
      counters: this.counters,
      path: this.doh.path,
      jsonPath: this.doh.jsonPath,
      allowOrigins: this.doh.cors.allowOrigins,
      trusted: this.trusted,
      ...(this.dohRrl ? { rrl: this.dohRrl } : {}),
      bodyTimeoutMs: this.tcpOptions.messageTimeoutMs,
    })
    const options = { ...this.connectionOptions(), onRequest, trusted: this.trusted }
    return this.listenStreams(addresses, transport, async (address) =>
      tls ? listenDohTls(address, await this.certificateStore(), options) : listenDohPlain(address, options),
    )
  }

  /** DNS over TLS (RFC 7858) on each address, with the TCP limits and connection budget. */
  async listenDot(addresses: readonly string[]): Promise<BoundStream[]> {
    return this.listenStreams(addresses, 'dot', async (address) =>
      listenDot(address, await this.certificateStore(), this.connectionOptions()),
    )
  }

  /** Re-reads the DoH/DoT certificates now (also done on file change); rejects with the first failure. */
  async reloadCertificates(): Promise<void> {
    if (this.certificates !== undefined) await (await this.certificates).reload()
  }

  /** Stops accepting, closes every socket and open TCP, DoT and DoH connection. Idempotent. */
  async close(): Promise<void> {
    this.closed = true
    const listeners = this.listeners.splice(0)
    for (const socket of this.connections) socket.destroy()
    await Promise.all(listeners.map((listener) => listener.close()))
    const store = this.certificates
    this.certificates = undefined
    if (store !== undefined) (await store.catch(() => undefined))?.close()
  }

  private connectionOptions() {
    return {
      ...this.tcpOptions,
      handler: this.handler,
      counters: this.counters,
      logger: this.logger,
      connections: this.connections,
      perSource: this.perSource,
    }
  }

  private certificateStore(): Promise<CertificateStore> {
    if (this.certificates === undefined) {
      const tls = this.tls
      if (tls === undefined) {
        return Promise.reject(
          new InvalidArgumentError('tls: DoH over TLS and DoT need certificates (dns.tls.certificates)'),
        )
      }
      const opening = CertificateStore.open({
        tls,
        logger: this.logger,
        ...(this.certificateDebounceMs !== undefined ? { debounceMs: this.certificateDebounceMs } : {}),
        onDefaultChange: (certificate) => {
          for (const listener of this.listeners) {
            if ('setDefaultCertificate' in listener) listener.setDefaultCertificate?.(certificate)
          }
        },
      }).then((store) => {
        if (this.watchCertificates) store.watch()
        return store
      })
      this.certificates = opening
      opening.catch(() => {
        if (this.certificates === opening) this.certificates = undefined
      })
    }
    return this.certificates
  }

  private async listenStreams(
    addresses: readonly string[],
    transport: 'doh' | 'doh-plain' | 'dot',
    open: (address: ListenAddress) => Promise<StreamListener>,
  ): Promise<BoundStream[]> {
    if (this.closed) throw new NinesError('NINES_ERR_SERVER_CLOSED', 'the DNS server is closed')
    const parsed = addresses.map((text, i) => {
      const address = parseListenAddress(text)
      if (address === null) {
        throw new InvalidArgumentError(
          `addresses[${i}]: expected ip:port or [ipv6]:port, such as 127.0.0.1:8443 or [::1]:8443, got ${JSON.stringify(text)}`,
        )
      }
      return address
    })
    const opened: StreamListener[] = []
    const bound: BoundStream[] = []
    const kind = transport === 'dot' ? 'dot' : 'doh'
    try {
      for (const address of parsed) {
        let listener: StreamListener
        try {
          listener = await open(address)
        } catch (error) {
          if (error instanceof NinesError) throw error
          throw listenError(kind, address, error)
        }
        opened.push(listener)
        const host = address.family === 6 ? `[${address.host}]` : address.host
        const url =
          transport === 'dot'
            ? `tls://${host}:${listener.port}`
            : `${transport === 'doh' ? 'https' : 'http'}://${host}:${listener.port}${this.doh.path}`
        bound.push({ address: address.host, port: listener.port, url })
      }
    } catch (error) {
      await Promise.all(opened.map((listener) => listener.close()))
      throw error
    }
    this.listeners.push(...opened)
    for (const b of bound) {
      this.logger.info(
        { address: b.address, port: b.port, url: b.url },
        transport === 'dot'
          ? `DNS over TLS listening on ${b.url}`
          : transport === 'doh'
            ? `DNS over HTTPS listening on ${b.url}`
            : `DNS over HTTP (plain, for a TLS proxy in front) listening on ${b.url}`,
      )
    }
    return bound
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

function listenError(
  transport: 'udp' | 'tcp' | 'doh' | 'dot',
  address: ListenAddress,
  cause: unknown,
): NinesError {
  const where = `${transport} ${formatListenAddress(address)}`
  const code = errnoCode(cause)
  if (code === 'EADDRINUSE') {
    return new NinesError('NINES_ERR_ADDRESS_IN_USE', `${where}: address already in use`, { cause })
  }
  const reason = cause instanceof Error ? cause.message : String(cause)
  return new NinesError('NINES_ERR_LISTEN_FAILED', `${where}: ${reason}`, { cause })
}
