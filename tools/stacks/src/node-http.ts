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
  streamGate,
  type Behaviour,
  type Live,
} from './mode.js'

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
  void streamGate(STACK, name, behaviour).then((gate) => {
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
      if (behaviour.mode !== 'hang') res.write(`id: ${id}\ndata: ${eventData(STACK, name, id++)}\n\n`)
    }, eventsEveryMs(url))
    const heartbeat = setInterval(() => {
      if (behaviour.mode !== 'hang') res.write(': heartbeat\n\n')
    }, EVENTS_HEARTBEAT_MS)
    res.on('close', () => {
      clearInterval(tick)
      clearInterval(heartbeat)
      release()
    })
  })
}

function refuse(socket: Duplex, status: number, body = ''): void {
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Status'}\r\nconnection: close\r\n` +
      `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  )
}

/** Stack A: Node's own `node:http`; `/chat` is `ws` on the server's `upgrade` event. */
export function nodeHttpStack(name: string, behaviour: Behaviour, onCrash: () => void, live: Live): Server {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo')
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      const reply = controlReply(req.method ?? 'GET', url, behaviour)
      res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body, () => {
        if (reply.crash) onCrash()
      })
      return
    }
    if (url.pathname === '/api/events' && req.method === 'GET')
      return events(name, behaviour, live, req, res, url)
    void appReply(STACK, name, url.pathname, behaviour).then((reply) => {
      if (reply) res.writeHead(reply.status, { 'content-type': 'application/json' }).end(reply.body)
    })
  })
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    const url = new URL(req.url ?? '/', 'http://demo')
    if (url.pathname !== '/chat' || req.headers.upgrade?.toLowerCase() !== 'websocket')
      return refuse(socket, 404)
    void streamGate(STACK, name, behaviour).then((gate) => {
      if (gate === undefined || socket.destroyed) return
      if (gate !== 'open') return refuse(socket, gate.status, gate.body)
      wss.handleUpgrade(req, socket, head, (ws) => {
        const release = live.open('chats')
        ws.on('close', release)
        ws.on('error', () => ws.terminate())
        ws.on('message', (data, isBinary) => {
          if (isBinary) return ws.close(1003, 'text only')
          // Hanging: a message that arrives now is never answered.
          if (behaviour.mode !== 'hang') ws.send(chatEcho(STACK, name, (data as Buffer).toString('utf8')))
        })
      })
    })
  })
  server.on('close', () => wss.close())
  return server
}
