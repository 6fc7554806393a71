import { createHash } from 'node:crypto'
import { createServer, type Server, type Socket } from 'node:net'
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

const STACK = 'raw'

const reasons: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  411: 'Length Required',
  426: 'Upgrade Required',
  503: 'Service Unavailable',
}

function write(socket: Socket, reply: Reply, keepAlive: boolean, onCrash: () => void): void {
  const body = Buffer.from(reply.body)
  socket.write(
    `HTTP/1.1 ${reply.status} ${reasons[reply.status] ?? 'Status'}\r\ncontent-type: application/json\r\n` +
      `content-length: ${body.length}\r\nconnection: ${keepAlive ? 'keep-alive' : 'close'}\r\n` +
      Object.entries(reply.headers ?? {})
        .map(([key, value]) => `${key}: ${value}\r\n`)
        .join('') +
      '\r\n',
  )
  socket.write(body, () => {
    if (reply.crash) onCrash()
  })
  if (!keepAlive) socket.end()
}

/** RFC 6455 section 4.2.2: the accept value is base64(SHA-1(key + this GUID)). */
const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
export function websocketAccept(key: string): string {
  return createHash('sha1')
    .update(key + WEBSOCKET_GUID)
    .digest('base64')
}

const MAX_MESSAGE = 64 * 1024
const OP_CONTINUATION = 0x0
const OP_TEXT = 0x1
const OP_BINARY = 0x2
const OP_CLOSE = 0x8
const OP_PING = 0x9
const OP_PONG = 0xa

/** One unmasked server frame, FIN set (the server never fragments). */
function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length
  const head =
    length < 126
      ? Buffer.from([0x80 | opcode, length])
      : length < 65_536
        ? Buffer.from([0x80 | opcode, 126, length >> 8, length & 0xff])
        : Buffer.concat([Buffer.from([0x80 | opcode, 127]), bigLength(length)])
  return Buffer.concat([head, payload])
}

function bigLength(length: number): Buffer {
  const buffer = Buffer.alloc(8)
  buffer.writeBigUInt64BE(BigInt(length))
  return buffer
}

function closeFrame(code: number, reason = ''): Buffer {
  const payload = Buffer.alloc(2 + Buffer.byteLength(reason))
  payload.writeUInt16BE(code)
  payload.write(reason, 2)
  return frame(OP_CLOSE, payload)
}

/**
 * The WebSocket side of one upgraded connection: parses client frames (which must be masked), echoes text
 * messages (fragmented ones reassembled), answers pings, and completes the close handshake.
 */
function chat(socket: Socket, name: string, behaviour: Behaviour, live: Live, head: Buffer): void {
  const release = live.open('chats')
  socket.on('close', release)
  let buffered = head
  let fragments: Buffer[] = []
  let fragmentedOpcode = -1
  let closing = false

  const fail = (code: number, reason: string): void => {
    if (!closing) socket.write(closeFrame(code, reason))
    closing = true
    socket.end()
  }

  const message = (opcode: number, payload: Buffer): void => {
    if (opcode === OP_BINARY) return fail(1003, 'text only')
    const text = payload.toString('utf8')
    // Hanging: a message that arrives now is never answered.
    if (modeFor(behaviour, '/chat') !== 'hang' && !closing)
      socket.write(frame(OP_TEXT, Buffer.from(chatEcho(STACK, name, text))))
  }

  const parse = (): void => {
    while (buffered.length >= 2 && !socket.destroyed) {
      const b0 = buffered[0] as number
      const b1 = buffered[1] as number
      const fin = (b0 & 0x80) !== 0
      const opcode = b0 & 0x0f
      if ((b0 & 0x70) !== 0) return fail(1002, 'no extensions')
      if ((b1 & 0x80) === 0) return fail(1002, 'client frames must be masked')
      let length = b1 & 0x7f
      let offset = 2
      if (length === 126) {
        if (buffered.length < 4) return
        length = buffered.readUInt16BE(2)
        offset = 4
      } else if (length === 127) {
        if (buffered.length < 10) return
        const big = buffered.readBigUInt64BE(2)
        if (big > BigInt(MAX_MESSAGE)) return fail(1009, 'message too big')
        length = Number(big)
        offset = 10
      }
      if (length > MAX_MESSAGE) return fail(1009, 'message too big')
      if (buffered.length < offset + 4 + length) return
      const mask = buffered.subarray(offset, offset + 4)
      const payload = Buffer.from(buffered.subarray(offset + 4, offset + 4 + length))
      for (let i = 0; i < payload.length; i++) payload[i] = (payload[i] as number) ^ (mask[i % 4] as number)
      buffered = buffered.subarray(offset + 4 + length)

      if (opcode >= 0x8) {
        if (!fin || length > 125) return fail(1002, 'bad control frame')
        if (opcode === OP_PING) {
          if (!closing) socket.write(frame(OP_PONG, payload))
        } else if (opcode === OP_CLOSE) {
          // Echo the peer's status code (none if it sent none), then close the TCP connection.
          if (!closing) socket.write(frame(OP_CLOSE, payload.subarray(0, payload.length >= 2 ? 2 : 0)))
          closing = true
          socket.end()
          return
        } else if (opcode !== OP_PONG) return fail(1002, 'unknown opcode')
        continue
      }
      if (opcode === OP_CONTINUATION) {
        if (fragmentedOpcode < 0) return fail(1002, 'continuation without a start')
        fragments.push(payload)
        if (fragments.reduce((sum, part) => sum + part.length, 0) > MAX_MESSAGE)
          return fail(1009, 'message too big')
        if (fin) {
          const whole = Buffer.concat(fragments)
          const started = fragmentedOpcode
          fragments = []
          fragmentedOpcode = -1
          message(started, whole)
        }
      } else if (opcode === OP_TEXT || opcode === OP_BINARY) {
        if (fragmentedOpcode >= 0) return fail(1002, 'expected a continuation')
        if (fin) message(opcode, payload)
        else {
          fragmentedOpcode = opcode
          fragments = [payload]
        }
      } else return fail(1002, 'unknown opcode')
    }
  }

  socket.on('data', (chunk: Buffer) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk
    parse()
  })
  parse()
}

/**
 * `GET /api/events` on a raw socket: a close-delimited body (no length, `connection: close`), so the
 * connection carries this one stream and nothing after it.
 */
function events(
  socket: Socket,
  name: string,
  behaviour: Behaviour,
  live: Live,
  url: URL,
  lastEventId?: string,
): void {
  socket.write(
    `HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n` +
      `retry: ${EVENTS_RETRY_MS}\n: ${STACK} ${name} events\n\n`,
  )
  let id = firstEventId(lastEventId)
  const release = live.open('events')
  const tick = setInterval(() => {
    if (modeFor(behaviour, '/api/events') !== 'hang')
      socket.write(`id: ${id}\ndata: ${eventData(STACK, name, id++)}\n\n`)
  }, eventsEveryMs(url))
  const heartbeat = setInterval(() => {
    if (modeFor(behaviour, '/api/events') !== 'hang') socket.write(': heartbeat\n\n')
  }, EVENTS_HEARTBEAT_MS)
  socket.on('close', () => {
    clearInterval(tick)
    clearInterval(heartbeat)
    release()
  })
}

/**
 * `GET /api/statement` on a raw socket: a content-length head, then chunk after chunk, each written only
 * after the socket drained the last; a closed socket stops it. The connection stays usable afterwards.
 */
function statement(socket: Socket, account: string, live: Live, done: () => void): void {
  socket.write(
    `HTTP/1.1 200 OK\r\ncontent-type: text/csv\r\ncontent-length: ${STATEMENT_BYTES}\r\ncache-control: no-store\r\n` +
      `connection: keep-alive\r\n\r\n`,
  )
  const release = live.open('statements')
  let n = 0
  const stop = (): void => {
    socket.off('drain', pump)
    release()
  }
  socket.once('close', stop)
  function pump(): void {
    while (n < STATEMENT_CHUNKS && !socket.destroyed) {
      if (!socket.write(statementChunk(account, n++))) return void socket.once('drain', pump)
    }
    socket.off('close', stop)
    stop()
    if (!socket.destroyed) done()
  }
  pump()
}

/** The self-service API on a parsed request; `done` frees the connection for its next request. */
function api(
  socket: Socket,
  name: string,
  books: Books,
  live: Live,
  method: string,
  url: URL,
  body: Buffer,
  respond: (reply: Reply) => void,
  done: () => void,
): void {
  const routeError = apiRouteError(method, url.pathname)
  if (routeError) return respond(routeError)
  if (url.pathname === '/api/topup') {
    const topup = parseTopup(body.toString('utf8'))
    if ('status' in topup) return respond(topup)
    return respond(json(201, { stack: STACK, name, account: topup.account, ...books.apply(topup) }))
  }
  const account = accountOf(url)
  if (typeof account !== 'string') return respond(account)
  if (url.pathname === '/api/balance') return respond(json(200, balanceBody(STACK, name, books, account)))
  if (url.pathname === '/api/usage') return respond(json(200, usageBody(STACK, name, account)))
  statement(socket, account, live, done)
}

/**
 * Stack C: a deliberately different implementation, HTTP/1.1 parsed by hand over `node:net`
 * (request line, headers, and a `content-length` body up to 64 KB; chunked bodies are refused with 411).
 * One request at a time per connection.
 * `/chat` is a WebSocket implemented here too (handshake and framing), `/api/events` written by hand.
 */
export function rawStack(
  name: string,
  behaviour: Behaviour,
  onCrash: () => void,
  live: Live,
  books: Books,
): Server {
  return createServer((socket) => {
    let buffered = Buffer.alloc(0)
    let busy = false
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk])
      if (buffered.length > 140_000) socket.destroy()
      else next()
    }
    /** The connection leaves HTTP: a stream or a WebSocket owns it from now on. */
    const handOver = (): void => {
      busy = true
      socket.off('data', onData)
    }
    const next = (): void => {
      const end = buffered.indexOf('\r\n\r\n')
      if (busy || end < 0) return
      const head = buffered.subarray(0, end).toString('latin1')
      const [requestLine = '', ...headerLines] = head.split('\r\n')
      const [method = 'GET', target = '/'] = requestLine.split(' ')
      const headers = new Map<string, string>()
      for (const line of headerLines) {
        const colon = line.indexOf(':')
        if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
      }
      if (headers.has('transfer-encoding')) {
        buffered = Buffer.alloc(0)
        handOver()
        return write(socket, { status: 411, body: '{"error":"send a content-length body"}' }, false, onCrash)
      }
      const length = Number(headers.get('content-length') ?? 0)
      if (!Number.isSafeInteger(length) || length < 0 || length > 65_536) return void socket.destroy()
      // Wait for the whole body before answering; the next request starts after it.
      if (buffered.length < end + 4 + length) return
      const body = Buffer.from(buffered.subarray(end + 4, end + 4 + length))
      buffered = buffered.subarray(end + 4 + length)
      const keepAlive = !/^close$/i.test(headers.get('connection') ?? '')
      const url = new URL(target, 'http://demo')
      if (url.pathname.startsWith(CONTROL_PREFIX)) {
        const reply = controlReply(method, url, behaviour, () => books.summary())
        write(socket, reply, keepAlive, onCrash)
        return next()
      }
      const wantsUpgrade = headers.get('upgrade')?.toLowerCase() === 'websocket'
      if (
        method === 'GET' &&
        (url.pathname === '/api/events' || (url.pathname === '/chat' && wantsUpgrade))
      ) {
        handOver()
        void streamGate(STACK, name, behaviour, url.pathname).then((gate) => {
          if (gate === undefined || socket.destroyed) return
          if (gate !== 'open') return write(socket, gate, false, onCrash)
          if (url.pathname === '/api/events')
            return events(socket, name, behaviour, live, url, headers.get('last-event-id'))
          const key = headers.get('sec-websocket-key')
          if (!key || headers.get('sec-websocket-version') !== '13')
            return write(
              socket,
              { status: 426, body: '{"error":"WebSocket version 13 with a key"}' },
              false,
              onCrash,
            )
          socket.write(
            `HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n` +
              `sec-websocket-accept: ${websocketAccept(key)}\r\n\r\n`,
          )
          chat(socket, name, behaviour, live, buffered)
        })
        return
      }
      busy = true
      const done = (): void => {
        busy = false
        next()
      }
      if (url.pathname.startsWith('/api/')) {
        void streamGate(STACK, name, behaviour, url.pathname).then((gate) => {
          if (gate === undefined || socket.destroyed) return
          if (gate !== 'open') {
            write(socket, gate, keepAlive, onCrash)
            return done()
          }
          const respond = (reply: Reply): void => {
            write(socket, reply, keepAlive, onCrash)
            done()
          }
          api(socket, name, books, live, method, url, body, respond, keepAlive ? done : () => socket.end())
        })
        return
      }
      void appReply(STACK, name, url.pathname, behaviour).then((reply) => {
        if (!reply || socket.destroyed) return
        busy = false
        write(socket, reply, keepAlive, onCrash)
        next()
      })
    }
    socket.on('data', onData)
    socket.on('error', () => socket.destroy())
  })
}
