import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { edgeRequestListener, type EdgeEnv } from '@nines/edge'
import type { Hono } from 'hono'

// @hono/node-server's own checks (src/url.ts): a host and a request target it would use as they are, with
// no URL parsing. Anything else (no Host, `:443`, `..` segments, a backslash, an absolute form) takes its
// listener, so its 400s and URL normalisation stay exactly as they were.
const plainHost = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/
const plainTarget = /^\/[!#$&-;=?-[\]_a-z~]*$/
const dotSegment = /\/\.\.?(?:[/?#]|$)/

const full = Symbol('full')

/**
 * The `Request` Hono is handed on the fast path: its URL and method as plain fields (all that routing and
 * the chain's stages read; they work on `c.env.incoming`), and a real `Request` built only if a stage
 * reads anything else (`c.req.header()`, `c.req.raw.signal`, …), with its signal aborted when the client
 * leaves early, as @hono/node-server's is.
 */
class LazyRequest {
  readonly url: string
  readonly method: string
  readonly #incoming: IncomingMessage
  readonly #outgoing: ServerResponse
  #request: Request | undefined

  constructor(url: string, method: string, incoming: IncomingMessage, outgoing: ServerResponse) {
    this.url = url
    this.method = method
    this.#incoming = incoming
    this.#outgoing = outgoing
  }

  [full](): Request {
    if (this.#request !== undefined) return this.#request
    const headers = new Headers()
    const raw = this.#incoming.rawHeaders
    for (let i = 0; i < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!)
    const abort = new AbortController()
    const outgoing = this.#outgoing
    if (outgoing.writableFinished) abort.abort('Client connection prematurely closed.')
    else
      outgoing.once('close', () => {
        if (!outgoing.writableFinished) abort.abort('Client connection prematurely closed.')
      })
    this.#request = new Request(this.url, { method: this.method, headers, signal: abort.signal })
    return this.#request
  }
}
for (const name of [
  'headers',
  'signal',
  'body',
  'bodyUsed',
  'cache',
  'credentials',
  'destination',
  'integrity',
  'keepalive',
  'mode',
  'redirect',
  'referrer',
  'referrerPolicy',
]) {
  Object.defineProperty(LazyRequest.prototype, name, {
    get(this: LazyRequest) {
      return this[full]()[name as keyof Request]
    },
  })
}
for (const name of ['arrayBuffer', 'blob', 'clone', 'formData', 'json', 'text']) {
  Object.defineProperty(LazyRequest.prototype, name, {
    value(this: LazyRequest) {
      return (this[full]()[name as keyof Request] as () => unknown).call(this[full]())
    },
  })
}

/**
 * The chain's Node request listener. A request without a body (GET, HEAD, DELETE, … with neither
 * `Content-Length` nor `Transfer-Encoding`) whose Host and target need no normalisation
 * calls `app.fetch` directly with a `LazyRequest`; every stage answers on Node's response and returns
 * @hono/node-server's `RESPONSE_ALREADY_SENT`, so nothing is left to write. That skips what @hono/node-server's
 * `getRequestListener` spends per request even when the Web `Request` is never read: the URL checks and
 * lightweight `Request`, a close listener and its closures, and an async tail that copies the
 * `RESPONSE_ALREADY_SENT` headers into a fresh object. It also answers HEAD cleanly: Hono runs HEAD as a
 * GET and wraps the result in a new `Response`, which node-server's listener then tries to write again
 * (`ERR_HTTP_HEADERS_SENT` logged, the connection destroyed). Everything else (bodies, whose unread rest
 * node-server drains; odd URLs and hosts) goes through `edgeRequestListener` unchanged.
 */
export function fastEdgeListener(app: Hono<EdgeEnv>): (req: IncomingMessage, res: ServerResponse) => void {
  const slow = edgeRequestListener(app)
  const fetch = app.fetch
  // @hono/node-server's RESPONSE_ALREADY_SENT, which every stage returns: known by its header the first
  // time, by identity after (this app does not depend on node-server directly).
  let alreadySent: Response | undefined
  const written = (res: Response): boolean => {
    if (res === alreadySent) return true
    if (res.headers.get('x-hono-already-sent') === null) return false
    alreadySent = res
    return true
  }
  return function listener(incoming, outgoing) {
    const method = incoming.method
    const host = incoming.headers.host
    const target = incoming.url
    if (
      method === undefined ||
      host === undefined ||
      target === undefined ||
      incoming.headers['content-length'] !== undefined ||
      incoming.headers['transfer-encoding'] !== undefined ||
      !plainHost.test(host) ||
      !plainTarget.test(target) ||
      dotSegment.test(target)
    ) {
      void slow(incoming, outgoing)
      return
    }
    const scheme = (incoming.socket as TLSSocket).encrypted ? 'https://' : 'http://'
    const request = new LazyRequest(scheme + host + target, method, incoming, outgoing)
    let res: Response | Promise<Response>
    try {
      res = fetch(request as unknown as Request, { incoming, outgoing })
    } catch (error) {
      failed(outgoing, error)
      return
    }
    if (res instanceof Promise) {
      res.then(
        (done) => {
          if (!written(done)) void writeResponse(outgoing, done).catch(() => outgoing.destroy())
        },
        (error: unknown) => failed(outgoing, error),
      )
    } else if (!written(res)) void writeResponse(outgoing, res).catch(() => outgoing.destroy())
  }
}

/** A stage that answered with a Web `Response` (none does today): written as it is. */
async function writeResponse(outgoing: ServerResponse, res: Response): Promise<void> {
  const body = res.body === null ? undefined : Buffer.from(await res.arrayBuffer())
  if (outgoing.headersSent || outgoing.destroyed) return
  const headers: string[] = []
  res.headers.forEach((value, name) => headers.push(name, value))
  outgoing.writeHead(res.status, headers)
  outgoing.end(body)
}

/** Only a throwing error handler gets here (the chain's own answers 500 and returns). */
function failed(outgoing: ServerResponse, error: unknown): void {
  if (outgoing.headersSent) outgoing.destroy(error instanceof Error ? error : undefined)
  else {
    outgoing.writeHead(500, { 'content-type': 'text/plain' })
    outgoing.end(`Error: ${error instanceof Error ? error.message : String(error)}`)
  }
}
