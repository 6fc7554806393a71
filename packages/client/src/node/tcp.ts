import { connect } from 'node:net'
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls'
import type { Socket } from 'node:net'
import { BadAnswerError } from '../errors.js'
import type { Question, Reply } from '../types.js'
import { aborted, decodeReply, queryBytes, queryId, toReply } from './message.js'

/** How a stream connection is made: where it goes (for errors), and its socket. */
interface Opener {
  readonly from: string
  open(): Socket
  readonly ready: 'connect' | 'secureConnect'
}

const tcpOpener = (host: string, port: number): Opener => ({
  from: `tcp://${hostPort(host, port)}`,
  open: () => connect({ host, port }),
  ready: 'connect',
})

const tlsOpener = (host: string, port: number, tls: Pick<ConnectionOptions, 'ca'>): Opener => ({
  from: `tls://${hostPort(host, port)}`,
  open: () => tlsConnect({ host, port, ...tls }),
  ready: 'secureConnect',
})

const hostPort = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`

/** One question over its own TCP connection, RFC 7766 framing (a 2-byte length before each message). */
export function tcpQuery(
  host: string,
  port: number,
  question: Question,
  signal: AbortSignal,
): Promise<Reply> {
  return oneShot(tcpOpener(host, port), question, signal)
}

/**
 * One question over DNS over TLS (RFC 7858) on its own connection: TCP's framing inside TLS. The
 * certificate must name `host` (an IP address SAN for an IP literal); `ca` trusts a private CA.
 */
export function dotQuery(
  host: string,
  port: number,
  question: Question,
  signal: AbortSignal,
  tls: Pick<ConnectionOptions, 'ca'> = {},
): Promise<Reply> {
  return oneShot(tlsOpener(host, port, tls), question, signal)
}

function oneShot(opener: Opener, question: Question, signal: AbortSignal): Promise<Reply> {
  const connection = new StreamConnection(opener, 0)
  return connection.query(question, signal).finally(() => connection.close())
}

/**
 * One TCP or DoT connection per nameserver, kept open and shared by every question to it, several in
 * flight at once told apart by ID (RFC 7766 §6.2.1, RFC 7858 §3.4): a TLS handshake per question would
 * cost a native app a round trip or two and battery each time a 5 s TTL runs out. A connection idle for
 * `idleMs` is closed by us (nines-dns closes idle ones after 10 s); a question sent on a kept connection
 * just as the server closed it is sent once more on a new one.
 */
export class StreamConnections {
  readonly #open = new Map<string, StreamConnection>()

  constructor(readonly idleMs = 5_000) {}

  tcp(host: string, port: number, question: Question, signal: AbortSignal): Promise<Reply> {
    return this.#query(tcpOpener(host, port), question, signal)
  }

  dot(
    host: string,
    port: number,
    question: Question,
    signal: AbortSignal,
    tls: Pick<ConnectionOptions, 'ca'> = {},
  ): Promise<Reply> {
    return this.#query(tlsOpener(host, port, tls), question, signal)
  }

  /** Connections open now (for tests). */
  get size(): number {
    return this.#open.size
  }

  close(): void {
    for (const connection of this.#open.values()) connection.close()
    this.#open.clear()
  }

  async #query(opener: Opener, question: Question, signal: AbortSignal): Promise<Reply> {
    const kept = this.#open.get(opener.from)
    const reused = kept !== undefined && !kept.closed
    try {
      return await this.#connection(opener).query(question, signal)
    } catch (error) {
      // The server may close a kept connection (its idle timeout, a restart) as our question leaves.
      if (!reused || !(error instanceof ClosedEarly) || signal.aborted) throw error
      return this.#connection(opener).query(question, signal)
    }
  }

  #connection(opener: Opener): StreamConnection {
    let connection = this.#open.get(opener.from)
    if (connection === undefined || connection.closed) {
      connection = new StreamConnection(opener, this.idleMs, () => {
        if (this.#open.get(opener.from) === connection) this.#open.delete(opener.from)
      })
      this.#open.set(opener.from, connection)
    }
    return connection
  }
}

/** The connection closed before the reply, having answered nothing since the question was sent. */
class ClosedEarly extends BadAnswerError {}

interface Pending {
  readonly question: Question
  readonly id: number
  /** Replies the connection had read when this question was sent. */
  readonly repliesBefore: number
  settle(error: Error | null, reply?: Reply): void
}

/** One stream connection and the questions in flight on it. */
class StreamConnection {
  readonly #opener: Opener
  readonly #socket: Socket
  readonly #pending = new Map<number, Pending>()
  readonly #idleMs: number
  readonly #onClose: (() => void) | undefined
  #buffer: Buffer = Buffer.alloc(0)
  #ready = false
  #queued: Buffer[] = []
  #replies = 0
  #idle: NodeJS.Timeout | undefined
  closed = false

  /** `idleMs` 0: closed by its user after one question. */
  constructor(opener: Opener, idleMs: number, onClose?: () => void) {
    this.#opener = opener
    this.#idleMs = idleMs
    this.#onClose = onClose
    this.#socket = opener.open()
    this.#socket.on(opener.ready, () => {
      this.#ready = true
      for (const frame of this.#queued) this.#socket.write(frame)
      this.#queued = []
    })
    this.#socket.on('data', (chunk: Buffer) => this.#read(chunk))
    this.#socket.on('error', (error) =>
      this.#fail(new BadAnswerError(`${opener.from}: ${error.message}`, { cause: error })),
    )
    this.#socket.on('close', () => this.#fail(undefined))
  }

  query(question: Question, signal: AbortSignal): Promise<Reply> {
    if (signal.aborted) return Promise.reject(aborted(signal))
    if (this.closed) return Promise.reject(new ClosedEarly(`${this.#opener.from}: the connection is closed`))
    let id = queryId()
    while (this.#pending.has(id)) id = queryId()
    const query = queryBytes(question, id)
    const frame = Buffer.alloc(2 + query.length)
    frame.writeUInt16BE(query.length, 0)
    query.copy(frame, 2)
    this.#busy()
    return new Promise<Reply>((resolve, reject) => {
      const onAbort = (): void => pending.settle(aborted(signal))
      const pending: Pending = {
        question,
        id,
        repliesBefore: this.#replies,
        settle: (error, reply) => {
          if (this.#pending.get(id) !== pending) return
          this.#pending.delete(id)
          signal.removeEventListener('abort', onAbort)
          if (this.#pending.size === 0) this.#rest()
          if (error) reject(error)
          else resolve(reply!)
        },
      }
      this.#pending.set(id, pending)
      signal.addEventListener('abort', onAbort)
      if (this.#ready) this.#socket.write(frame)
      else this.#queued.push(frame)
    })
  }

  close(): void {
    this.closed = true
    this.#socket.destroy()
  }

  #read(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk])
    while (this.#buffer.length >= 2 && this.#buffer.length >= 2 + this.#buffer.readUInt16BE(0)) {
      const message = this.#buffer.subarray(2, 2 + this.#buffer.readUInt16BE(0))
      this.#buffer = this.#buffer.subarray(2 + message.length)
      this.#replies++
      // A reply to a question given up (aborted) finds nothing: dropped.
      const pending = message.length >= 2 ? this.#pending.get(message.readUInt16BE(0)) : undefined
      if (pending === undefined) continue
      try {
        pending.settle(null, toReply(decodeReply(message, pending.question, pending.id, this.#opener.from)))
      } catch (error) {
        pending.settle(error instanceof Error ? error : new BadAnswerError(String(error)))
      }
    }
  }

  /**
   * The connection is gone: every question on it fails. One that nothing was read after (the server closed
   * or reset a kept connection as it arrived) fails as ClosedEarly, which may be sent again.
   */
  #fail(error: Error | undefined): void {
    this.closed = true
    clearTimeout(this.#idle)
    this.#socket.destroy()
    this.#onClose?.()
    const message = error?.message ?? `${this.#opener.from}: the connection closed before a whole reply`
    for (const pending of [...this.#pending.values()]) {
      const early = pending.repliesBefore === this.#replies
      pending.settle(
        early ? new ClosedEarly(message, { cause: error }) : new BadAnswerError(message, { cause: error }),
      )
    }
  }

  #busy(): void {
    clearTimeout(this.#idle)
    this.#idle = undefined
    this.#socket.ref()
  }

  /** Nothing in flight: an idle connection neither keeps the process alive nor stays open past `idleMs`. */
  #rest(): void {
    if (this.#idleMs <= 0 || this.closed) return
    this.#socket.unref()
    this.#idle = setTimeout(() => this.close(), this.#idleMs)
    this.#idle.unref()
  }
}
