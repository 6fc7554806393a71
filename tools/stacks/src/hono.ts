import { createAdaptorServer, upgradeWebSocket } from '@hono/node-server'
import { Hono, type Context } from 'hono'
import { streamSSE } from 'hono/streaming'
import type { Server } from 'node:http'
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
  parseTopup,
  statementChunk,
  usageBody,
} from './api.js'

const STACK = 'hono'

/**
 * Stack B: Hono on @hono/node-server. `/chat` uses the adapter's own `upgradeWebSocket` (Hono's `hono/ws`
 * helper; @hono/node-server 2 drives a `ws` server created with `noServer`), `/api/events` Hono's `streamSSE`.
 */
export function honoStack(
  name: string,
  behaviour: Behaviour,
  onCrash: () => void,
  live: Live,
  books: Books,
): Server {
  const app = new Hono()
  const reply = (c: Context, r: Reply): Response =>
    c.body(r.body, r.status as 200, { 'content-type': 'application/json', ...r.headers })
  app.all(`${CONTROL_PREFIX}*`, (c) => {
    const r = controlReply(c.req.method, new URL(c.req.url), behaviour, () => books.summary())
    if (r.crash) setTimeout(onCrash, 10)
    return reply(c, r)
  })
  // The API: the fault gate first (route-scoped faults), then 404/405, then Hono's router.
  app.use('/api/*', async (c, next) => {
    if (c.req.path === '/api/events' && c.req.method === 'GET') return next()
    const gate = await streamGate(STACK, name, behaviour, c.req.path)
    if (gate === undefined) return new Promise<Response>(() => {})
    if (gate !== 'open') return reply(c, gate)
    // 404/405 from the same table as the other stacks (Hono would otherwise answer HEAD as a GET).
    const routeError = apiRouteError(c.req.method, c.req.path)
    if (routeError) return reply(c, routeError)
    c.header('cache-control', NO_STORE['cache-control'])
    return next()
  })
  app.get('/api/balance', (c) => {
    const account = accountOf(new URL(c.req.url))
    if (typeof account !== 'string') return reply(c, account)
    return c.json(balanceBody(STACK, name, books, account))
  })
  app.get('/api/usage', (c) => {
    const account = accountOf(new URL(c.req.url))
    if (typeof account !== 'string') return reply(c, account)
    return c.json(usageBody(STACK, name, account))
  })
  app.post('/api/topup', async (c) => {
    const topup = parseTopup(await c.req.text())
    if ('status' in topup) return reply(c, topup)
    return c.json({ stack: STACK, name, account: topup.account, ...books.apply(topup) }, 201)
  })
  app.get('/api/statement', (c) => {
    const account = accountOf(new URL(c.req.url))
    if (typeof account !== 'string') return reply(c, account)
    // A pull stream: the next chunk is made only when the adapter asks (backpressure); cancel stops it.
    let n = 0
    let release = (): void => {}
    const body = new ReadableStream<Uint8Array>(
      {
        start: () => {
          release = live.open('statements')
        },
        pull: (controller) => {
          controller.enqueue(statementChunk(account, n++))
          if (n === STATEMENT_CHUNKS) {
            controller.close()
            release()
          }
        },
        cancel: () => release(),
      },
      { highWaterMark: 1 },
    )
    return c.body(body, 200, {
      'content-type': 'text/csv',
      'content-length': String(STATEMENT_BYTES),
      ...NO_STORE,
    })
  })
  app.get(
    '/chat',
    async (c, next) => {
      if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return next()
      const gate = await streamGate(STACK, name, behaviour, '/chat')
      // Hanging: the upgrade is never answered.
      if (gate === undefined) return new Promise<Response>(() => {})
      if (gate !== 'open')
        return c.body(gate.body, gate.status as 503, { 'content-type': 'application/json' })
      return next()
    },
    upgradeWebSocket(() => {
      let release = (): void => {}
      return {
        onOpen: () => {
          release = live.open('chats')
        },
        onMessage: (event, ws) => {
          if (typeof event.data !== 'string') return ws.close(1003, 'text only')
          if (modeFor(behaviour, '/chat') !== 'hang') ws.send(chatEcho(STACK, name, event.data))
        },
        onClose: () => release(),
        onError: () => release(),
      }
    }),
  )
  app.get('/api/events', async (c) => {
    const gate = await streamGate(STACK, name, behaviour, '/api/events')
    if (gate === undefined) return new Promise<Response>(() => {})
    if (gate !== 'open') return c.body(gate.body, gate.status as 503, { 'content-type': 'application/json' })
    const everyMs = eventsEveryMs(new URL(c.req.url))
    let id = firstEventId(c.req.header('last-event-id'))
    return streamSSE(c, async (stream) => {
      await stream.write(`retry: ${EVENTS_RETRY_MS}\n: ${STACK} ${name} events\n\n`)
      const release = live.open('events')
      const tick = setInterval(() => {
        if (modeFor(behaviour, '/api/events') === 'hang') return
        const event = { id: String(id), data: eventData(STACK, name, id++) }
        void stream.writeSSE(event).catch(() => stream.abort())
      }, everyMs)
      const heartbeat = setInterval(() => {
        if (modeFor(behaviour, '/api/events') !== 'hang')
          void stream.write(': heartbeat\n\n').catch(() => stream.abort())
      }, EVENTS_HEARTBEAT_MS)
      // The stream stays open until the client goes away; then both timers stop.
      await new Promise<void>((resolve) => {
        stream.onAbort(() => {
          clearInterval(tick)
          clearInterval(heartbeat)
          release()
          resolve()
        })
      })
    })
  })
  app.all('/api/*', (c) => reply(c, apiRouteError(c.req.method, c.req.path) ?? { status: 404, body: '{}' }))
  app.all('*', async (c) => {
    const reply = await appReply(STACK, name, c.req.path, behaviour)
    // Hanging: never settle, so the client sees an accepted connection that never answers.
    if (!reply) return new Promise<Response>(() => {})
    return c.body(reply.body, reply.status as 200, { 'content-type': 'application/json', ...reply.headers })
  })
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })
  return createAdaptorServer({ fetch: app.fetch, websocket: { server: wss } }) as Server
}
