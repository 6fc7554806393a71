import { createAdaptorServer, upgradeWebSocket } from '@hono/node-server'
import { Hono } from 'hono'
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
  streamGate,
  type Behaviour,
  type Live,
} from './mode.js'

const STACK = 'hono'

/**
 * Stack B: Hono on @hono/node-server. `/chat` uses the adapter's own `upgradeWebSocket` (Hono's `hono/ws`
 * helper; @hono/node-server 2 drives a `ws` server created with `noServer`), `/api/events` Hono's `streamSSE`.
 */
export function honoStack(name: string, behaviour: Behaviour, onCrash: () => void, live: Live): Server {
  const app = new Hono()
  app.all(`${CONTROL_PREFIX}*`, (c) => {
    const reply = controlReply(c.req.method, new URL(c.req.url), behaviour)
    if (reply.crash) setTimeout(onCrash, 10)
    return c.body(reply.body, reply.status as 200, { 'content-type': 'application/json' })
  })
  app.get(
    '/chat',
    async (c, next) => {
      if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return next()
      const gate = await streamGate(STACK, name, behaviour)
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
          if (behaviour.mode !== 'hang') ws.send(chatEcho(STACK, name, event.data))
        },
        onClose: () => release(),
        onError: () => release(),
      }
    }),
  )
  app.get('/api/events', async (c) => {
    const gate = await streamGate(STACK, name, behaviour)
    if (gate === undefined) return new Promise<Response>(() => {})
    if (gate !== 'open') return c.body(gate.body, gate.status as 503, { 'content-type': 'application/json' })
    const everyMs = eventsEveryMs(new URL(c.req.url))
    let id = firstEventId(c.req.header('last-event-id'))
    return streamSSE(c, async (stream) => {
      await stream.write(`retry: ${EVENTS_RETRY_MS}\n: ${STACK} ${name} events\n\n`)
      const release = live.open('events')
      const tick = setInterval(() => {
        if (behaviour.mode === 'hang') return
        const event = { id: String(id), data: eventData(STACK, name, id++) }
        void stream.writeSSE(event).catch(() => stream.abort())
      }, everyMs)
      const heartbeat = setInterval(() => {
        if (behaviour.mode !== 'hang') void stream.write(': heartbeat\n\n').catch(() => stream.abort())
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
  app.all('*', async (c) => {
    const reply = await appReply(STACK, name, c.req.path, behaviour)
    // Hanging: never settle, so the client sees an accepted connection that never answers.
    if (!reply) return new Promise<Response>(() => {})
    return c.body(reply.body, reply.status as 200, { 'content-type': 'application/json' })
  })
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })
  return createAdaptorServer({ fetch: app.fetch, websocket: { server: wss } }) as Server
}
