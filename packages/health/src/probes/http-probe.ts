import http, {
  validateHeaderName,
  validateHeaderValue,
  type ClientRequest,
  type IncomingMessage,
  type OutgoingHttpHeaders,
} from 'node:http'
import https from 'node:https'
import type { SecureContextOptions } from 'node:tls'
import { InvalidArgumentError } from '@nines/core'
import type { HttpCheck } from '../check.js'
import type { Probe, ProbeTarget } from '../probe.js'
import { errorDetail } from './detail.js'
import { redirectPath, requestHost, type RequestHost } from './http-host.js'
import { settle, type Finish } from './settle.js'
import { parseStatusSet } from './status-set.js'

/** Redirects followed at most, when the check follows redirects. */
export const maxRedirects = 5

const userAgent = 'nines-health'

/** What a check cannot say because it is not configuration. */
export interface HttpProbeOptions {
  /** Trust anchors (PEM) for HTTPS endpoints behind a private CA; replaces the default set. */
  readonly ca?: SecureContextOptions['ca']
}

/** Idle kept-alive sockets are closed after this, below common server keep-alive timeouts (Node: 5 s). */
const idleSocketMs = 4000

/**
 * An HTTP(S) probe: one request per probe, on a kept-alive connection of its own (`reuseConnection`, the
 * default) or on a fresh socket closed after it (`Connection: close`), the status
 * checked against `expectStatus`, the body read only when a body check is configured and never past
 * `maxBodyBytes`. Success reports `status NNN`. Throws InvalidArgumentError at creation for a status set or
 * body regex that can never work.
 */
export function httpProbe(check: HttpCheck, options: HttpProbeOptions = {}): Probe {
  const statusOk = parseStatusSet(check.expectStatus)
  const bodyOk = bodyCheck(check)
  const extraHeaders = checkedHeaders(check.headers)
  // One socket per endpoint at most; the agent belongs to this probe, so endpoints never share one.
  const agent = check.reuseConnection
    ? new (check.tls ? https.Agent : http.Agent)({
        keepAlive: true,
        maxSockets: 1,
        maxFreeSockets: 1,
        timeout: idleSocketMs,
      })
    : false

  return (target, signal) =>
    settle(signal, (finish) => {
      const host = requestHost(check.host, target)
      const headers: OutgoingHttpHeaders = {
        'user-agent': userAgent,
        host: host.header,
        ...extraHeaders,
        connection: agent ? 'keep-alive' : 'close',
      }
      let current: ClientRequest | undefined
      // Set once a response has been read to its end: only then may its socket go back to the agent.
      let reusable = false
      let retriedStale = false

      const send = (path: string, method: string, redirectsLeft: number): void => {
        let request: ClientRequest
        try {
          request = open(check, options, target, host, { path, method, headers, agent })
        } catch (error) {
          // A Host header with characters HTTP forbids, say; this can run inside a socket event.
          return finish(false, errorDetail(error))
        }
        current = request
        let responded = false
        request.on('error', (error) => {
          if (request !== current) return
          // A kept-alive socket the server closed while it was idle: try once on a fresh one (Node's
          // documented pattern), so a keep-alive race never reads as a failed endpoint.
          if (request.reusedSocket && !responded && !retriedStale && isStaleSocket(error)) {
            retriedStale = true
            return send(path, method, redirectsLeft)
          }
          finish(false, responded ? 'closed mid-response' : errorDetail(error))
        })
        request.on('response', (response) => {
          if (request !== current) return
          responded = true
          const status = response.statusCode ?? 0
          const location = response.headers.location
          if (status >= 300 && status < 400 && location !== undefined) {
            if (!check.followRedirects) return finish(false, `redirect ${status}`)
            if (redirectsLeft === 0) return finish(false, 'too many redirects')
            const next = redirectPath(location, { tls: check.tls, host, port: target.port, path })
            if (next === undefined) return finish(false, 'redirect off-endpoint')
            request.destroy()
            return send(next, redirectMethod(status, method), redirectsLeft - 1)
          }
          if (!statusOk(status)) return finish(false, `status ${status}`)
          if (bodyOk === undefined && !agent) return finish(true, `status ${status}`)
          readBody(response, bodyOk ? check.maxBodyBytes : 0, finish, (body, complete) => {
            reusable = complete
            if (!bodyOk || bodyOk(body)) finish(true, `status ${status}`)
            else finish(false, 'body mismatch')
          })
        })
        request.end()
      }

      send(check.path, check.method, maxRedirects)
      return () => {
        const last = current
        // Settled: later events of its request are nobody's. Destroying a request on a reused socket
        // raises ECONNRESET, which the stale-socket retry above would otherwise answer with a new request
        // that hangs on the agent's only socket, so every later probe queued behind it and timed out.
        current = undefined
        if (!reusable) last?.destroy()
      }
    })
}

function open(
  check: HttpCheck,
  options: HttpProbeOptions,
  target: ProbeTarget,
  host: RequestHost,
  request: { path: string; method: string; headers: OutgoingHttpHeaders; agent: http.Agent | false },
): ClientRequest {
  const common = { host: target.address, port: target.port, ...request }
  if (!check.tls) return http.request(common)
  return https.request({
    ...common,
    rejectUnauthorized: check.verifyTls,
    ...(host.servername === undefined ? {} : { servername: host.servername }),
    ...(options.ca === undefined ? {} : { ca: options.ca }),
  })
}

/**
 * Keeps at most `maxBytes` of the body (0: reads it to the end only so the socket can be reused). Past
 * the limit it stops at once and lets `finish` close the socket; `complete` says the body was read whole.
 */
function readBody(
  response: IncomingMessage,
  maxBytes: number,
  finish: Finish,
  judge: (body: string, complete: boolean) => void,
): void {
  const chunks: Buffer[] = []
  let size = 0
  let judged = false
  const done = (complete: boolean): void => {
    if (judged) return
    judged = true
    judge(Buffer.concat(chunks).toString('utf8'), complete)
  }
  response.on('data', (chunk: Buffer) => {
    if (judged || maxBytes === 0) return
    const room = maxBytes - size
    chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk)
    size += Math.min(chunk.length, room)
    if (size >= maxBytes) done(false)
  })
  response.on('end', () => done(true))
  response.on('error', () => finish(false, 'closed mid-response'))
  response.on('close', () => {
    if (!response.complete) finish(false, 'closed mid-response')
  })
}

/** Lower-cased names; a header Node would refuse to send is misuse, caught at creation. */
function checkedHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const checked: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    try {
      validateHeaderName(name)
      validateHeaderValue(name, value)
    } catch (error) {
      throw new InvalidArgumentError(`headers: '${name}' is not a valid header name and value`, {
        cause: error,
      })
    }
    checked[name.toLowerCase()] = value
  }
  return checked
}

function bodyCheck(check: HttpCheck): ((body: string) => boolean) | undefined {
  const { bodyContains, bodyRegex } = check
  if (bodyContains === undefined && bodyRegex === undefined) return undefined
  let regex: RegExp | undefined
  if (bodyRegex !== undefined) {
    try {
      regex = new RegExp(bodyRegex)
    } catch (error) {
      throw new InvalidArgumentError(`bodyRegex: '${bodyRegex}' is not a valid regular expression`, {
        cause: error,
      })
    }
  }
  return (body) => (bodyContains === undefined || body.includes(bodyContains)) && (regex?.test(body) ?? true)
}

function isStaleSocket(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code
  return code === 'ECONNRESET' || code === 'EPIPE'
}

/** 303, and 301/302 after a POST, continue as GET (as browsers do); other redirects keep the method. */
function redirectMethod(status: number, method: string): string {
  return status === 303 || ((status === 301 || status === 302) && method === 'POST') ? 'GET' : method
}
