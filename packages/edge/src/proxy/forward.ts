import type { IncomingMessage, ServerResponse } from 'node:http'
import { InvalidArgumentError } from '@nines/core'
import type { Dispatcher } from 'undici'
import type { AttemptResult } from '../eject/outcome.js'
import { discardBody, type RequestBody } from './body.js'
import { BodyLimiter } from './body-limit.js'
import { clientResponseHeaders } from './headers.js'
import type { ResponseTap } from './tap.js'

/**
 * How one attempt ended: the `AttemptResult` ejection and retries take (`status`: a head arrived), the
 * client left, or its streamed body passed `maxBodyBytes` (`too-large`: the upstream request was aborted).
 * Neither of the last two is the endpoint's doing.
 */
export type ForwardOutcome = AttemptResult | 'client-closed' | 'too-large'

/** What one attempt did, as a value: nothing about an upstream failure is thrown. */
export interface ForwardResult {
  /**
   * `status` when a response head arrived (relayed to the client, or held: see `held`); otherwise the
   * failure. A failure after `responseStarted` (the upstream broke mid-body, the body stalled) keeps its
   * kind and the client's connection is destroyed, since its response cannot be completed.
   */
  readonly outcome: ForwardOutcome
  /** The upstream's status, 0 when no head arrived. */
  readonly status: number
  /** True when the head's status was one `holdStatus` took: its body was drained, nothing reached the client. */
  readonly held: boolean
  /** The held response's `Retry-After`, for `shouldRetry`. */
  readonly retryAfter: string | undefined
  /**
   * Request bytes written to the upstream connection, head included (the head's size is counted from its
   * characters): 0 means the upstream cannot have seen the request. `bytesSentUpstream` of `shouldRetry`.
   */
  readonly bytesSent: number
  /** A response head was written to the client: no other attempt can answer this request. */
  readonly responseStarted: boolean
  /** The response was relayed whole and ended. */
  readonly complete: boolean
}

export interface ForwardInput {
  /** The endpoint's pool (`createUpstreamPool`). */
  readonly pool: Dispatcher
  readonly req: IncomingMessage
  readonly res: ServerResponse
  /** `upstreamRequestHeaders(…)`, built once per request and reused by every attempt. */
  readonly headers: readonly string[]
  /** `readRequestBody(req, …)`, read once per request. */
  readonly body: RequestBody
  /** Path and query sent upstream; `req.url` when absent. */
  readonly path?: string
  /** From sending to the response head; the retry loop passes min(per-try, time left before the deadline). */
  readonly perTryTimeoutMs: number
  /**
   * Statuses the caller may still retry (e.g. 502/503/504 for an idempotent request with attempts left):
   * such a response is drained and returned (`held`) instead of relayed. Absent: every status is relayed.
   */
  readonly holdStatus?: ((status: number) => boolean) | undefined
  readonly requestId: string
  /** `viaValue(instance)`. */
  readonly via: string
  /** Opt-in debug headers on the response (`debugHeaders`). */
  readonly debug?: { readonly endpoint: string; readonly attempts: number } | undefined
  /**
   * Longest silence between response body chunks. Default: the pool's `bodyTimeoutMs`, except for a
   * request that accepts `text/event-stream`, where it is off (0): an event stream may be quiet for minutes,
   * and the client leaving or the connection failing still ends it. A route may pass a bound instead.
   */
  readonly bodyTimeoutMs?: number | undefined
  /**
   * The edge's `limits.maxBodyBytes`, also given to `readRequestBody`: a chunked body streamed past it
   * aborts the upstream request (`too-large`); the caller answers 413 unless `responseStarted`.
   */
  readonly maxBodyBytes?: number | undefined
  /** Sees the relayed response (the cache's writer); not a held one. */
  readonly tap?: ResponseTap | undefined
}

const eventStream = /\btext\/event-stream\b/i

/** Whether the client asked for an event stream (EventSource always sends this `Accept`). */
export function acceptsEventStream(accept: string | undefined): boolean {
  return accept !== undefined && eventStream.test(accept)
}

const perTryTimeout = Object.assign(new Error('per-try timeout'), { code: 'NINES_PER_TRY_TIMEOUT' })
const clientGone = Object.assign(new Error('client closed the connection'), { code: 'NINES_CLIENT_CLOSED' })
const bodyTooLarge = Object.assign(new Error('request body too large'), { code: 'NINES_BODY_TOO_LARGE' })

function failureOf(error: unknown, connected: boolean): AttemptResult {
  const code = (error as { code?: unknown } | null)?.code
  if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT')
    return connected ? 'per-try-timeout' : 'connect-timeout'
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'per-try-timeout'
  return connected ? 'reset' : 'connect-refused'
}

/** One attempt; also the undici dispatch handler (legacy callbacks, so the raw headers arrive as Buffers). */
class Attempt implements ForwardResult {
  outcome: ForwardOutcome = 'status'
  status = 0
  held = false
  retryAfter: string | undefined = undefined
  bytesSent = 0
  responseStarted = false
  complete = false

  #input: ForwardInput
  #resolve: (result: ForwardResult) => void = () => {}
  #abort: ((error?: Error) => void) | undefined = undefined
  #timer: NodeJS.Timeout | undefined = undefined
  #settled = false
  #connected = false
  #resume: (() => void) | undefined = undefined
  #relayTrailers = false
  #limiter: BodyLimiter | undefined = undefined
  #tap: ResponseTap | undefined

  constructor(input: ForwardInput) {
    this.#input = input
    this.#tap = input.tap
  }

  run(): Promise<ForwardResult> {
    const { res, req, body } = this.#input
    if (res.destroyed || body.kind === 'client-closed') {
      this.outcome = 'client-closed'
      return Promise.resolve(this)
    }
    if (body.kind === 'too-large') {
      this.outcome = 'too-large'
      return Promise.resolve(this)
    }
    if (body.kind === 'stream') {
      if (body.used) throw new InvalidArgumentError('forward: a streamed request body can be sent only once')
      body.used = true
    }
    const promise = new Promise<ForwardResult>((resolve) => (this.#resolve = resolve))
    res.on('close', this.#onClientClose)
    this.#timer = setTimeout(this.#onTimeout, this.#input.perTryTimeoutMs)
    let source: NodeJS.ReadableStream | Buffer | null = body.kind === 'kept' ? body.data : null
    if (body.kind === 'stream') source = this.#limited(body.stream)
    const bodyTimeout = this.#input.bodyTimeoutMs ?? (acceptsEventStream(req.headers.accept) ? 0 : undefined)
    this.#input.pool.dispatch(
      {
        path: this.#input.path ?? req.url ?? '/',
        method: req.method ?? 'GET',
        headers: this.#input.headers as string[],
        body: source as Dispatcher.DispatchOptions['body'],
        ...(bodyTimeout === undefined ? {} : { bodyTimeout }),
      },
      this as unknown as Dispatcher.DispatchHandler,
    )
    return promise
  }

  #finish(outcome: ForwardOutcome): void {
    if (this.#settled) return
    this.#settled = true
    this.outcome = outcome
    clearTimeout(this.#timer)
    this.#input.res.off('close', this.#onClientClose)
    // Behind a limiter, undici destroys the limiter, not the client's request: the rest of the body is
    // dropped so the caller can still answer (413, 504, …) and the connection closes cleanly.
    const req = this.#input.req
    if (this.#limiter !== undefined && !req.readableEnded) {
      req.unpipe(this.#limiter)
      discardBody(req)
    }
    this.#resolve(this)
  }

  #stop(outcome: ForwardOutcome, reason: Error): void {
    if (this.#settled) return
    const abort = this.#abort
    this.#finish(outcome)
    if (this.responseStarted) this.#broken()
    abort?.(reason) // before the connection, `onConnect` aborts as soon as it is called
  }

  /** A streamed body of unknown length behind a `BodyLimiter` when a limit applies (`Content-Length` was checked at read). */
  #limited(stream: IncomingMessage): NodeJS.ReadableStream {
    const max = this.#input.maxBodyBytes
    if (max === undefined || stream.headers['content-length'] !== undefined) return stream
    this.#limiter = new BodyLimiter(max, () => this.#stop('too-large', bodyTooLarge))
    return stream.pipe(this.#limiter)
  }

  #onTimeout = (): void => this.#stop('per-try-timeout', perTryTimeout)

  #onClientClose = (): void => {
    if (!this.#input.res.writableFinished) this.#stop('client-closed', clientGone)
  }

  #onDrain = (): void => this.#resume?.()

  onConnect(abort: (error?: Error) => void): void {
    if (this.#settled) return abort(this.outcome === 'client-closed' ? clientGone : perTryTimeout)
    this.#abort = abort
    this.#connected = true
    this.bytesSent = headSize(this.#input)
  }

  onBodySent(chunk: Buffer | string): void {
    this.bytesSent += chunk.length
  }

  onRequestSent(): void {}

  onResponseStarted(): void {}

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (this.#settled) return false
    clearTimeout(this.#timer)
    this.status = statusCode
    const input = this.#input
    if (input.holdStatus?.(statusCode) === true) {
      this.held = true
      for (let i = 0; i < rawHeaders.length; i += 2) {
        if (rawHeaders[i]!.length === 11 && rawHeaders[i]!.toString('latin1').toLowerCase() === 'retry-after')
          this.retryAfter = rawHeaders[i + 1]!.toString('latin1')
      }
      return true
    }
    this.#resume = resume
    this.#relayTrailers = trailersRelayable(input.req, statusCode, rawHeaders)
    const head = clientResponseHeaders({
      rawHeaders,
      requestId: input.requestId,
      via: input.via,
      debug: input.debug,
      keepTrailer: this.#relayTrailers,
    })
    const res = input.res
    // writeHead(status, list) turns into setHeader per pair once an earlier stage set a header, which keeps
    // only the last of repeated names (set-cookie); append them instead.
    if (res.getHeaderNames().length === 0) res.writeHead(statusCode, head)
    else {
      for (let i = 0; i < head.length; i += 2) res.appendHeader(head[i]!, head[i + 1]!)
      res.writeHead(statusCode)
    }
    this.responseStarted = true
    if (this.#tap !== undefined && !this.#tap.head(statusCode, rawHeaders)) this.#tap = undefined
    return true
  }

  onData(chunk: Buffer): boolean {
    if (this.held || this.#settled) return true
    this.#tap?.data(chunk)
    const res = this.#input.res
    if (res.write(chunk)) return true
    res.once('drain', this.#onDrain)
    return false
  }

  onComplete(trailers: Buffer[] | string[] | null): void {
    if (this.#settled) return
    if (!this.held) {
      if (this.#relayTrailers && trailers !== null && trailers.length > 0) {
        const pairs: [string, string][] = []
        for (let i = 0; i < trailers.length; i += 2)
          pairs.push([trailers[i]!.toString('latin1'), trailers[i + 1]!.toString('latin1')])
        this.#input.res.addTrailers(pairs)
      }
      this.#input.res.end()
      this.complete = true
      this.#tap?.end()
    }
    this.#finish('status')
  }

  onError(error: Error): void {
    if (this.#settled) return
    const outcome = failureOf(error, this.#connected)
    this.#finish(outcome)
    if (this.responseStarted) this.#broken()
  }

  /** The relayed response cannot be completed: the client's connection goes, and the tap keeps nothing. */
  #broken(): void {
    this.#input.res.destroy()
    this.#tap?.abort()
  }
}

/**
 * Whether the upstream's trailers can reach this client: it announced them (`Trailer`), and the client's
 * response will be chunked (HTTP/1.1, not HEAD, a status with a body, no `Content-Length`); Node throws
 * on a `Trailer` header otherwise.
 */
function trailersRelayable(req: IncomingMessage, status: number, rawHeaders: Buffer[]): boolean {
  if (req.httpVersion !== '1.1' || req.method === 'HEAD' || status === 204 || status === 304) return false
  let announced = false
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!
    if (name.length === 14 && name.toString('latin1').toLowerCase() === 'content-length') return false
    if (name.length === 7 && name.toString('latin1').toLowerCase() === 'trailer') announced = true
  }
  return announced
}

/** The request head's size in characters: request line, header lines, blank line. */
function headSize(input: ForwardInput): number {
  const path = input.path ?? input.req.url ?? '/'
  let size = (input.req.method ?? 'GET').length + path.length + 13 // ' ' + ' HTTP/1.1\r\n' + '\r\n'
  const headers = input.headers
  for (let i = 0; i < headers.length; i++) size += headers[i]!.length + 2 // ': ' or '\r\n'
  return size
}

/**
 * One attempt of `req` at one endpoint: sends the head and body over the endpoint's pool and streams the
 * response straight into `res` with backpressure (no buffering, no Web streams). Never rejects for an
 * upstream failure: the result says what happened, how many request bytes reached the upstream and
 * whether the client got anything. A per-try timeout or the client leaving aborts the upstream request.
 */
export function forward(input: ForwardInput): Promise<ForwardResult> {
  return new Attempt(input).run()
}
