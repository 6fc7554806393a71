import { connect as h2Connect, type ClientHttp2Session } from 'node:http2'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'

/**
 * HTTP/2 sessions for DoH over https, one per origin, reused by every question (RFC 8484 §5.2 recommends
 * HTTP/2: many questions in flight on one connection, no head-of-line wait for a slow answer). The TLS
 * handshake offers h2 and http/1.1; a server that picks http/1.1 (or none) is remembered and asked over
 * the keep-alive HTTP/1.1 agent instead. A session is dropped on error, GOAWAY or close, and closed after
 * `idleMs` without streams; it keeps the process alive only while a stream is open.
 */
export class H2Sessions {
  private readonly sessions = new Map<string, Promise<ClientHttp2Session | undefined>>()
  private readonly http1 = new Set<string>()
  /** Sessions opened so far (tests: reuse means this stays at one per origin). */
  opened = 0

  constructor(
    private readonly tls: { ca?: string | Buffer | readonly (string | Buffer)[] } = {},
    private readonly idleMs = 30_000,
  ) {}

  /** The origin's live session, a new one, or undefined when the origin speaks only HTTP/1.1. */
  session(url: URL): Promise<ClientHttp2Session | undefined> {
    const origin = url.origin
    if (this.http1.has(origin)) return Promise.resolve(undefined)
    let session = this.sessions.get(origin)
    if (session === undefined) {
      session = this.open(url)
      this.sessions.set(origin, session)
      session.catch(() => this.sessions.delete(origin))
    }
    return session
  }

  private async open(url: URL): Promise<ClientHttp2Session | undefined> {
    const origin = url.origin
    const host = url.hostname.replace(/^\[|\]$/g, '')
    const socket: TLSSocket = tlsConnect({
      host,
      port: Number(url.port || 443),
      ALPNProtocols: ['h2', 'http/1.1'],
      ...(this.tls.ca !== undefined && { ca: this.tls.ca as string }),
      ...(!/^[\d.]+$|:/.test(host) && { servername: host }),
    })
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve)
      socket.once('error', reject)
    })
    if (socket.alpnProtocol !== 'h2') {
      socket.destroy()
      this.http1.add(origin)
      this.sessions.delete(origin)
      return undefined
    }
    this.opened++
    const session = h2Connect(origin, { createConnection: () => socket })
    const drop = (): void => {
      if (this.sessions.get(origin) === current) this.sessions.delete(origin)
    }
    const current = Promise.resolve(session)
    this.sessions.set(origin, current)
    session.on('error', drop)
    session.on('goaway', drop)
    session.on('close', drop)
    session.setTimeout(this.idleMs, () => session.close())
    session.unref()
    return session
  }

  /** A stream starts: the session keeps the process alive until `release`. */
  hold(session: ClientHttp2Session): void {
    this.open_.set(session, (this.open_.get(session) ?? 0) + 1)
    session.ref()
  }

  release(session: ClientHttp2Session): void {
    const left = (this.open_.get(session) ?? 1) - 1
    this.open_.set(session, left)
    if (left === 0 && !session.destroyed) session.unref()
  }

  private readonly open_ = new WeakMap<ClientHttp2Session, number>()

  close(): void {
    for (const session of this.sessions.values())
      void session.then(
        (s) => s?.destroy(),
        () => undefined,
      )
    this.sessions.clear()
  }
}
