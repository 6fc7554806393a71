import { request, STATUS_CODES, type IncomingMessage } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { clientResponseHeaders } from './headers.js'
import { Tunnels } from './tunnels.js'

/**
 * How one upgrade attempt ended: `upgraded` (101 relayed, the tunnel is live), `status` (another answer,
 * relayed, client connection closed after it), or a failure with nothing written to the client.
 */
export type UpgradeOutcome =
  | 'upgraded'
  | 'status'
  | 'connect-refused'
  | 'connect-timeout'
  | 'reset'
  | 'per-try-timeout'
  | 'client-closed'

export interface UpgradeResult {
  readonly outcome: UpgradeOutcome
  /** 101, the relayed status, or 0 when no head arrived. */
  readonly status: number
  /** Bytes written to the upstream connection before the answer or failure: 0 → another endpoint may be tried. */
  readonly bytesSent: number
}

export interface UpgradeInput {
  /** The three arguments of the server's `'upgrade'` event. */
  readonly req: IncomingMessage
  readonly socket: Duplex
  readonly head: Buffer
  /** The picked endpoint. */
  readonly target: { readonly address: string; readonly port: number }
  /** `upstreamRequestHeaders({ …, upgrade: true })`: keeps `Upgrade` and sends `Connection: upgrade`. */
  readonly headers: readonly string[]
  readonly requestId: string
  readonly via: string
  /** Path and query sent upstream; `req.url` when absent. */
  readonly path?: string | undefined
  /** TCP connect must finish within this (default 1000) → `connect-timeout`. */
  readonly connectTimeoutMs?: number | undefined
  /** The answer's head must arrive within this after connecting (default 15000) → `per-try-timeout`. */
  readonly headTimeoutMs?: number | undefined
  /** Live tunnels, so graceful shutdown can close them last (`tunnels.closeAll()`). */
  readonly tunnels?: Tunnels | undefined
  /** Called once when an upgraded tunnel has closed (e.g. `candidate.outstanding--`). */
  readonly onClose?: (() => void) | undefined
}

const timedOut = Object.assign(new Error('upgrade timed out'), { code: 'NINES_UPGRADE_TIMEOUT' })

/** `HTTP/1.1 <status> <reason>` and the header lines of a response written straight to a raw socket. */
function headText(status: number, message: string | undefined, headers: readonly string[]): string {
  let text = `HTTP/1.1 ${status} ${message || STATUS_CODES[status] || ''}\r\n`
  for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`
  return text + '\r\n'
}

/**
 * One upgrade attempt (WebSocket) of a server `'upgrade'` event at one endpoint, over `node:http`'s client
 * (its parser reads the answer's head; no pooled connection is taken, since an upgraded one never returns).
 * On 101 the head goes to the client with `x-request-id` and `Via`, the early bytes both ways follow, and the
 * two sockets are piped with backpressure; either closing or failing closes the other. Any other answer is
 * relayed with `Connection: close`. Never rejects: failures with nothing sent leave the client socket
 * untouched, so the caller can try another endpoint or answer (`writeRawError`).
 */
export function forwardUpgrade(input: UpgradeInput): Promise<UpgradeResult> {
  const { req, socket } = input
  return new Promise((resolve) => {
    let settled = false
    let upSocket: Socket | undefined
    let connected = false
    const sent = (): number => (connected && upSocket !== undefined ? upSocket.bytesWritten : 0)
    const upReq = request({
      host: input.target.address,
      port: input.target.port,
      method: req.method ?? 'GET',
      path: input.path ?? req.url ?? '/',
      headers: input.headers as string[],
      setHost: false,
      agent: false,
    })
    const settle = (outcome: UpgradeOutcome, status: number): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.off('close', onClientGone)
      socket.off('error', onClientGone)
      resolve({ outcome, status, bytesSent: sent() })
    }
    const fail = (outcome: UpgradeOutcome): void => {
      settle(outcome, 0)
      upReq.destroy(timedOut)
    }
    let timer = setTimeout(() => fail('connect-timeout'), input.connectTimeoutMs ?? 1000)
    const onClientGone = (): void => fail('client-closed')
    socket.on('close', onClientGone)
    socket.on('error', onClientGone)

    upReq.on('socket', (s: Socket) => {
      upSocket = s
      s.once('connect', () => {
        connected = true
        clearTimeout(timer)
        if (!settled) timer = setTimeout(() => fail('per-try-timeout'), input.headTimeoutMs ?? 15000)
      })
    })
    upReq.on('error', () => settle(connected ? 'reset' : 'connect-refused', 0))

    upReq.on('upgrade', (res: IncomingMessage, up: Socket, upHead: Buffer) => {
      if (settled || socket.destroyed) {
        up.destroy()
        return settle('client-closed', 0)
      }
      settle('upgraded', 101)
      const head = clientResponseHeaders({
        rawHeaders: res.rawHeaders,
        requestId: input.requestId,
        via: input.via,
        upgrade: true,
      })
      socket.write(headText(101, res.statusMessage, head))
      if (upHead.length > 0) socket.write(upHead)
      if (input.head.length > 0) up.write(input.head)
      const tunnels = input.tunnels ?? Tunnels.none
      tunnels.open(socket, up, input.onClose)
    })

    upReq.on('response', (res: IncomingMessage) => {
      if (settled) return res.destroy()
      const head = clientResponseHeaders({
        rawHeaders: res.rawHeaders,
        requestId: input.requestId,
        via: input.via,
      })
      head.push('connection', 'close')
      socket.write(headText(res.statusCode ?? 502, res.statusMessage, head))
      res.pipe(socket) // ends the client's connection with the body (the body ends at close)
      const abandon = (): void => {
        res.destroy()
        socket.destroy()
      }
      socket.on('error', abandon)
      socket.once('close', () => res.destroy())
      res.on('error', abandon)
      res.once('aborted', abandon)
      settle('status', res.statusCode ?? 502)
    })
    upReq.end()
  })
}

/**
 * A complete error response on a raw socket (an `'upgrade'` request nothing could serve): status,
 * `x-request-id`, `Via`, a short text body, `Connection: close`; then the socket is ended.
 */
export function writeRawError(socket: Duplex, status: number, requestId: string, via: string): void {
  if (socket.destroyed) return
  const body = `${status} ${STATUS_CODES[status] ?? ''}\n`
  const head = [
    'content-type',
    'text/plain; charset=utf-8',
    'content-length',
    String(Buffer.byteLength(body)),
    'connection',
    'close',
    'x-request-id',
    requestId,
    'via',
    via,
  ]
  socket.end(headText(status, undefined, head) + body)
}
