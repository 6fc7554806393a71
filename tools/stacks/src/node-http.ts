import { STATUS_CODES, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer } from 'ws'
import {
  CONTROL_PREFIX,
  EVENTS_HEARTBEAT_MS,
  EVENTS_RETRY_MS,
  appReply,
  chatEcho,
  controlReply,
  eventData,
  eventsEveryMs,
  firstEventId,
  modeFor,
  streamGate,
  type Behaviour,
  type Live,
  type Reply,
} from './mode.js'
import type { Books } from './api.js'
import {
  NO_STORE,
  STATEMENT_BYTES,
  STATEMENT_CHUNKS,
  accountOf,
  apiRouteError,
  balanceBody,
  json,
  parseTopup,
  statementChunk,
  usageBody,
} from './api.js'

const STACK = 'node-http'

/** `GET /api/events`: written straight to Node's response; the timers stop when the response closes. */
function events(
  name: string,
  behaviour: Behaviour,
  live: Live,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
) {
  void streamGate(STACK, name, behaviour, '/api/events').then((gate) => {
    if (gate === undefined || res.destroyed) return
    if (gate !== 'open') {
      res.writeHead(gate.status, { 'content-type': 'application/json' }).end(gate.body)
      return
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    res.write(`retry: ${EVENTS_RETRY_MS}\n: ${STACK} ${name} events\n\n`)
    let id = firstEventId(req.headers['last-event-id'] as string | undefined)
    const release = live.open('events')
    const tick = setInterval(() => {
      if (modeFor(behaviour, '/api/events') !== 'hang')
        res.write(`id: ${id}\ndata: ${eventData(STACK, name, id++)}\n\n`)
    }, eventsEveryMs(url))
    const heartbeat = setInterval(() => {
      if (modeFor(behaviour, '/api/events') !== 'hang') res.write(': heartbeat\n\n')
    }, EVENTS_HEARTBEAT_MS)
    res.on('close', () => {
      clearInterval(tick)
      clearInterval(heartbeat)
      release()
    })
  })
}

function send(res: ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(reply.body)
}

/** `GET /api/statement`: 1 MiB written chunk by chunk, waiting for `drain`; stops when the client goes. */
function statement(res: ServerResponse, account: string, live: Live): void {
  res.writeHead(200, { 'content-type': 'text/csv', 'content-length': STATEMENT_BYTES, ...NO_STORE })
  const release = live.open('statements')
  res.on('close', release)
  let n = 0
  const pump = (): void => {
    while (n < STATEMENT_CHUNKS && !res.destroyed) {
      if (!res.write(statementChunk(account, n++))) return void res.once('drain', pump)
    }
    if (!res.destroyed) res.end()
  }
  pump()
}

/** The self-service API, once the fault gate let the request through. */
function api(
  name: string,
  books: Books,
  live: Live,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): void {
  const routeError = apiRouteError(req.method ?? 'GET', url.pathname)
  if (routeError) return send(res, routeError)
  if (url.pathname === '/api/topup') {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > 65_536) return void req.destroy()
      chunks.push(chunk)
    })
    req.on('end', () => {
      const topup = parseTopup(Buffer.concat(chunks).toString('utf8'))
      if ('status' in topup) return send(res, topup)
      send(res, json(201, { stack: STACK, name, account: topup.account, ...books.apply(topup) }))
    })
    return
  }
  const account = accountOf(url)
  if (typeof account !== 'string') return send(res, account)
  if (url.pathname === '/api/balance') return send(res, json(200, balanceBody(STACK, name, books, account)))
  if (url.pathname === '/api/usage') return send(res, json(200, usageBody(STACK, name, account)))
  return statement(res, account, live)
}

function refuse(socket: Duplex, status: number, body = ''): void {
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Status'}\r\nconnection: close\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}

/** Stack A: Node's own `node:http`; `/chat` is `ws` on the server's `upgrade` event. */
export function nodeHttpStack(
  name: string,
  behaviour: Behaviour,
  onCrash: () => void,
  live: Live,
  books: Books,
): Server {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo')
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      const reply = controlReply(req.method ?? 'GET', url, behaviour, () => books.summary())
      res
        .writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers })
        .end(reply.body, () => {
          if (reply.crash) onCrash()
        })
      return
    }
    if (url.pathname === '/api/events' && req.method === 'GET')
      return events(name, behaviour, live, req, res, url)
    if (url.pathname.startsWith('/api/'))
      return void streamGate(STACK, name, behaviour, url.pathname).then((gate) => {
        if (gate === undefined || res.destroyed) return
        if (gate !== 'open') return send(res, gate)
        api(name, books, live, req, res, url)
      })
    void appReply(STACK, name, url.pathname, behaviour).then((reply) => {
      if (reply) send(res, reply)
    })
  })
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    const url = new URL(req.url ?? '/', 'http://demo')
    if (url.pathname !== '/chat' || req.headers.upgrade?.toLowerCase() !== 'websocket')
      return refuse(socket, 404)
    void streamGate(STACK, name, behaviour, '/chat').then((gate) => {
      if (gate === undefined || socket.destroyed) return
      if (gate !== 'open') return refuse(socket, gate.status, gate.body)
      wss.handleUpgrade(req, socket, head, (ws) => {
        const release = live.open('chats')
        ws.on('close', release)
        ws.on('error', () => ws.terminate())
        ws.on('message', (data, isBinary) => {
          if (isBinary) return ws.close(1003, 'text only')
          // Hanging: a message that arrives now is never answered.
          if (modeFor(behaviour, '/chat') !== 'hang')
            ws.send(chatEcho(STACK, name, (data as Buffer).toString('utf8')))
        })
      })
    })
  })
  server.on('close', () => wss.close())
  return server
}
