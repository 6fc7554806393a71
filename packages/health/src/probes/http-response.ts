/** What an HTTP probe needs from a response head. */
export interface ResponseHead {
  readonly status: number
  readonly location: string | undefined
  /** The connection may carry another request once this response has been read whole. */
  readonly keepAlive: boolean
}

/** A head longer than this is not a health endpoint's answer. */
const maxHeadBytes = 16_384
const maxLineBytes = 1_024
const crlf = '\r\n'
const emptyBuffer = Buffer.alloc(0)
const statusLine = /^HTTP\/1\.[01] [1-9]\d\d(?: [^\r\n]*)?(?:\r\n[^\r\n:]+:[^\r\n]*)*$/
const locationHeader = /\r\nlocation:([^\r]*)/i
const lengthHeader = /\r\ncontent-length:([^\r]*)/i
const encodingHeader = /\r\ntransfer-encoding:([^\r]*)/i
const connectionHeader = /\r\nconnection:([^\r]*)/i

type Framing = 'length' | 'chunked' | 'close' | 'none'
type ChunkStep = 'size' | 'data' | 'data-end' | 'trailers'

/**
 * Reads one HTTP/1.x response from the bytes of a connection, keeping only what a probe needs: the status,
 * Location, whether the connection can be kept, and at most `keepBytes` of the body. The body is framed
 * by Content-Length, chunked encoding or the end of the connection (RFC 9112 6.3); interim 1xx heads are
 * skipped. Node's ClientRequest/IncomingMessage cost about twice the CPU of the whole probe for this.
 */
export class ResponseReader {
  head: ResponseHead | undefined
  /** The body has been read to its end. */
  complete = false
  /** The bytes are not an HTTP/1.x response. */
  malformed = false
  /** Bytes arrived after the response: the connection cannot be trusted with another request. */
  trailing = false
  /** Any byte of the response has arrived. */
  started = false
  keptBytes = 0
  #pending: Buffer | undefined
  #framing: Framing = 'none'
  #chunk: ChunkStep = 'size'
  #remaining = 0
  readonly #kept: Buffer[] = []

  constructor(
    readonly bodiless: boolean,
    readonly keepBytes: number,
  ) {}

  push(chunk: Buffer): void {
    this.started = true
    let data = chunk
    while (data.length > 0 && !this.malformed) {
      if (this.complete) {
        this.trailing = true
        return
      }
      data = this.head === undefined ? this.#readHead(data) : this.#readBody(data)
    }
  }

  /** The peer closed the connection: that ends a body framed by the connection. */
  closed(): void {
    if (this.head !== undefined && this.#framing === 'close') this.complete = true
  }

  body(): string {
    return Buffer.concat(this.#kept).toString('utf8')
  }

  #readHead(chunk: Buffer): Buffer {
    const data = this.#join(chunk)
    const end = data.indexOf('\r\n\r\n')
    if (end < 0) return this.#hold(data, maxHeadBytes)
    // One string for the head; the few headers a probe needs are found in it, no line array is built.
    const text = data.toString('latin1', 0, end)
    if (!statusLine.test(text)) return this.#malformed()
    // `HTTP/1.x NNN`, checked by the pattern.
    const status = Number(text.slice(9, 12))
    const minor = text.charCodeAt(7) - 48
    const rest = data.subarray(end + 4)
    // 100 Continue, 103 Early Hints: the real head follows.
    if (status < 200 && status !== 101) return rest
    const location = locationHeader.exec(text)?.[1]?.trim()
    const length = lengthHeader.exec(text)?.[1]?.trim()
    const encoding = encodingHeader.exec(text)?.[1]?.trim().toLowerCase()
    const connection = connectionHeader.exec(text)?.[1]?.toLowerCase() ?? ''
    const persistent = minor === 1 ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection)
    if (this.bodiless || status === 204 || status === 304 || status === 101) {
      this.#framing = 'none'
    } else if (encoding !== undefined) {
      this.#framing = /(?:^|,)\s*chunked$/.test(encoding) ? 'chunked' : 'close'
    } else if (length !== undefined) {
      if (!/^\d{1,15}$/.test(length)) return this.#malformed()
      this.#remaining = Number(length)
      this.#framing = this.#remaining === 0 ? 'none' : 'length'
    } else {
      this.#framing = 'close'
    }
    const keepAlive = persistent && this.#framing !== 'close' && status !== 101
    this.head = { status, location, keepAlive }
    this.complete = this.#framing === 'none'
    return rest
  }

  #readBody(data: Buffer): Buffer {
    switch (this.#framing) {
      case 'close':
        this.#keep(data)
        return emptyBuffer
      case 'length': {
        const rest = this.#take(data)
        if (this.#remaining === 0) this.complete = true
        return rest
      }
      default:
        return this.#readChunked(data)
    }
  }

  /** Takes up to #remaining bytes of body. */
  #take(data: Buffer): Buffer {
    const take = Math.min(this.#remaining, data.length)
    this.#keep(take === data.length ? data : data.subarray(0, take))
    this.#remaining -= take
    return take === data.length ? emptyBuffer : data.subarray(take)
  }

  #readChunked(chunk: Buffer): Buffer {
    if (this.#chunk === 'data') {
      const rest = this.#take(chunk)
      if (this.#remaining === 0) {
        this.#chunk = 'data-end'
        this.#remaining = 2
      }
      return rest
    }
    if (this.#chunk === 'data-end') {
      const take = Math.min(this.#remaining, chunk.length)
      this.#remaining -= take
      if (this.#remaining === 0) this.#chunk = 'size'
      return chunk.subarray(take)
    }
    const data = this.#join(chunk)
    const end = data.indexOf(crlf)
    if (end < 0) return this.#hold(data, maxLineBytes)
    const line = data.toString('latin1', 0, end)
    const rest = data.subarray(end + 2)
    if (this.#chunk === 'trailers') {
      if (line === '') this.complete = true
      return rest
    }
    const size = /^[0-9a-fA-F]{1,12}(?=[;\s]|$)/.exec(line)
    if (size === null) return this.#malformed()
    this.#remaining = parseInt(size[0], 16)
    this.#chunk = this.#remaining === 0 ? 'trailers' : 'data'
    return rest
  }

  #keep(data: Buffer): void {
    const room = this.keepBytes - this.keptBytes
    if (room <= 0 || data.length === 0) return
    const kept = data.length > room ? data.subarray(0, room) : data
    this.#kept.push(kept)
    this.keptBytes += kept.length
  }

  #join(chunk: Buffer): Buffer {
    const pending = this.#pending
    this.#pending = undefined
    return pending === undefined ? chunk : Buffer.concat([pending, chunk])
  }

  #hold(data: Buffer, limit: number): Buffer {
    if (data.length > limit) return this.#malformed()
    this.#pending = data
    return emptyBuffer
  }

  #malformed(): Buffer {
    this.malformed = true
    return emptyBuffer
  }
}
