import { validateHeaderName, validateHeaderValue } from 'node:http'
import { connect as connectTcp, type Socket } from 'node:net'
import { connect as connectTls, type SecureContextOptions } from 'node:tls'
import { InvalidArgumentError } from '@nines/core'
import type { HttpCheck } from '../check.js'
import type { Probe, ProbeTarget } from '../probe.js'
import { errorDetail } from './detail.js'
import { redirectPath, requestHost, type RequestHost } from './http-host.js'
import { ResponseReader } from './http-response.js'
import { probeOf } from './settle.js'
import { parseStatusSet } from './status-set.js'

/** Redirects followed at most, when the check follows redirects. */
export const maxRedirects = 5

const userAgent = 'nines-health'

/** What a check cannot say because it is not configuration. */
export interface HttpProbeOptions {
  /** Trust anchors (PEM) for HTTPS endpoints behind a private CA; replaces the default set. */
  readonly ca?: SecureContextOptions['ca']
}

/** A kept-alive connection idle this long is replaced: below common server keep-alive timeouts (Node: 5 s). */
const idleSocketMs = 4000

/**
 * Idle kept-alive connections of every HTTP probe. Parked ones are unref'd (an idle probe connection never
 * keeps a process alive, as with Node's Agent) and one sweep closes those idle past idleSocketMs, so the
 * connection of a removed endpoint or a stopped monitor does not outlive it for long.
 */
const parked = new Set<Connection>()
let sweeper: NodeJS.Timeout | undefined

function park(connection: Connection): void {
  connection.idleSince = performance.now()
  connection.socket.unref()
  parked.add(connection)
  sweeper ??= setInterval(sweep, idleSocketMs / 2).unref()
}

function unpark(connection: Connection): void {
  parked.delete(connection)
  connection.socket.ref()
}

function sweep(): void {
  const now = performance.now()
  for (const connection of parked) {
    if (now - connection.idleSince < idleSocketMs && !connection.socket.destroyed) continue
    parked.delete(connection)
    connection.socket.destroy()
  }
  if (parked.size > 0) return
  clearInterval(sweeper)
  sweeper = undefined
}

/** What Node's ClientRequest refuses in a request path. */
const unescapedPath = /[^\u0021-\u00ff]/

interface Exchange {
  data(chunk: Buffer): void
  error(error: Error): void
  close(): void
}

/** One connection to an endpoint. Its events go to the probe that holds it; an idle one only waits. */
class Connection {
  /** Set while a probe's request is on this connection; cleared the moment that probe settles. */
  exchange: Exchange | undefined
  /** A response was read whole on it: a failure before the next one may be a stale keep-alive. */
  reused = false
  idleSince = 0

  readonly #address: string
  readonly #port: number
  readonly #servername: string | undefined

  constructor(
    readonly socket: Socket,
    target: ProbeTarget,
    host: RequestHost,
  ) {
    this.#address = target.address
    this.#port = target.port
    this.#servername = host.servername
    // Bytes on an idle connection answer nothing we asked: it can no longer be trusted.
    socket.on('data', (chunk: Buffer) => (this.exchange ? this.exchange.data(chunk) : socket.destroy()))
    socket.on('error', (error) => this.exchange?.error(error))
    socket.on('close', () => this.exchange?.close())
  }

  /** Connects to this target, with this TLS server name. */
  serves(target: ProbeTarget, host: RequestHost): boolean {
    return (
      this.#address === target.address && this.#port === target.port && this.#servername === host.servername
    )
  }

  detach(): void {
    this.exchange = undefined
    this.socket.destroy()
  }
}

/**
 * An HTTP(S) probe: one request per probe, on a kept-alive connection of its own (`reuseConnection`, the
 * default) or on a fresh socket closed after it (`Connection: close`), the status checked against
 * `expectStatus`, the body read only when a body check is configured (or to reuse the connection) and never
 * kept past `maxBodyBytes`. Success reports `status NNN`. Throws InvalidArgumentError at creation for a
 * status set or body regex that can never work.
 *
 * HTTP/1.1 is spoken on the socket directly (ResponseReader) rather than through http.request and an Agent
 * per endpoint, which cost more CPU and memory than everything else a probe does. A settled probe detaches
 * from its connection at once and destroys it unless its response was read whole, so no event of a hung or
 * failed request can reach a later probe.
 */
export function httpProbe(check: HttpCheck, options: HttpProbeOptions = {}): Probe {
  const statusOk = parseStatusSet(check.expectStatus)
  const bodyOk = bodyCheck(check)
  const extraHeaders = checkedHeaders(check.headers)
  const keepBytes = bodyOk ? check.maxBodyBytes : 0
  const reuse = check.reuseConnection
  // This endpoint's kept-alive connection between probes.
  let idle: Connection | undefined
  // The request for the last method, path and host: the same every probe, so built once.
  let last: { method: string; path: string; host: string; bytes: Buffer } | undefined
  // The target the host was worked out for last: the monitor passes the same endpoint object each time.
  let lastTarget: { target: ProbeTarget; host: RequestHost } | undefined

  const hostOf = (target: ProbeTarget): RequestHost => {
    if (lastTarget?.target !== target) lastTarget = { target, host: requestHost(check.host, target) }
    return lastTarget.host
  }

  const requestBytes = (method: string, path: string, host: RequestHost): Buffer => {
    if (last?.method === method && last.path === path && last.host === host.header) return last.bytes
    if (unescapedPath.test(path)) throw new TypeError('Request path contains unescaped characters')
    validateHeaderValue('host', host.header)
    const headers: Record<string, string> = {
      'user-agent': userAgent,
      host: host.header,
      ...extraHeaders,
      connection: reuse ? 'keep-alive' : 'close',
    }
    if (method === 'POST' || method === 'OPTIONS') headers['content-length'] ??= '0'
    let text = `${method} ${path} HTTP/1.1\r\n`
    for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`
    last = { method, path, host: host.header, bytes: Buffer.from(`${text}\r\n`, 'latin1') }
    return last.bytes
  }

  const open = (target: ProbeTarget, host: RequestHost): Connection => {
    const at = { host: target.address, port: target.port }
    const socket = check.tls
      ? connectTls({
          ...at,
          rejectUnauthorized: check.verifyTls,
          ...(host.servername === undefined ? {} : { servername: host.servername }),
          ...(options.ca === undefined ? {} : { ca: options.ca }),
        })
      : connectTcp({ ...at, noDelay: true })
    return new Connection(socket, target, host)
  }

  /** The idle kept-alive connection while it is still good, else a new one. */
  const take = (target: ProbeTarget, host: RequestHost, fresh: boolean): Connection => {
    const kept = idle
    idle = undefined
    if (kept) unpark(kept)
    const good = kept !== undefined && kept.serves(target, host) && !kept.socket.destroyed
    if (!fresh && good && performance.now() - kept.idleSince < idleSocketMs) return kept
    kept?.socket.destroy()
    return open(target, host)
  }

  return probeOf((target, finish) => {
    const host = hostOf(target)
    let current: Connection | undefined
    // Set once a response has been read to its end: only then may its connection serve the next probe.
    let reusable = false
    let retriedStale = false

    const send = (path: string, method: string, redirectsLeft: number, fresh: boolean): void => {
      let bytes: Buffer
      try {
        bytes = requestBytes(method, path, host)
      } catch (error) {
        // A Host header with characters HTTP forbids, say; this can run inside a socket event.
        return finish(false, errorDetail(error))
      }
      const connection = take(target, host, fresh || !reuse)
      const reader = new ResponseReader(method === 'HEAD', keepBytes)
      let judged = false
      current = connection

      const fail = (error: Error | undefined): void => {
        // A kept-alive connection the server closed while it was idle: try once on a fresh one, so a
        // keep-alive race never reads as a failed endpoint.
        if (connection.reused && !reader.started && !retriedStale) {
          retriedStale = true
          connection.detach()
          return send(path, method, redirectsLeft, true)
        }
        if (reader.started) return finish(false, 'closed mid-response')
        finish(false, error === undefined ? 'ECONNRESET' : errorDetail(error))
      }
      const step = (): void => {
        if (reader.malformed) return finish(false, 'malformed reply')
        const head = reader.head
        if (head === undefined) return
        const status = head.status
        if (!judged) {
          judged = true
          if (status >= 300 && status < 400 && head.location !== undefined) {
            if (!check.followRedirects) return finish(false, `redirect ${status}`)
            if (redirectsLeft === 0) return finish(false, 'too many redirects')
            const next = redirectPath(head.location, { tls: check.tls, host, port: target.port, path })
            if (next === undefined) return finish(false, 'redirect off-endpoint')
            connection.detach()
            return send(next, redirectMethod(status, method), redirectsLeft - 1, true)
          }
          if (!statusOk(status)) return finish(false, `status ${status}`)
          if (bodyOk === undefined && !reuse) return finish(true, `status ${status}`)
        }
        // Past the limit the rest of the body is not read: the connection is closed instead.
        const full = bodyOk !== undefined && reader.keptBytes >= check.maxBodyBytes
        if (!reader.complete && !full) return
        reusable = reader.complete && reuse && head.keepAlive && !reader.trailing
        if (bodyOk === undefined || bodyOk(reader.body())) finish(true, `status ${status}`)
        else finish(false, 'body mismatch')
      }
      connection.exchange = {
        data: (chunk) => {
          reader.push(chunk)
          step()
        },
        error: fail,
        close: () => {
          reader.closed()
          if (reader.complete) step()
          if (current === connection) fail(undefined)
        },
      }
      connection.socket.write(bytes)
    }

    send(check.path, check.method, maxRedirects, false)
    return () => {
      const settled = current
      current = undefined
      if (settled === undefined) return
      // Settled: nothing its connection does from now on concerns this probe.
      settled.exchange = undefined
      if (reusable && idle === undefined) {
        settled.reused = true
        park(settled)
        idle = settled
      } else {
        settled.socket.destroy()
      }
    }
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

/** 303, and 301/302 after a POST, continue as GET (as browsers do); other redirects keep the method. */
function redirectMethod(status: number, method: string): string {
  return status === 303 || ((status === 301 || status === 302) && method === 'POST') ? 'GET' : method
}
