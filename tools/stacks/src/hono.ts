import { createAdaptorServer } from '@hono/node-server'
import { Hono } from 'hono'
import type { Server } from 'node:http'
import { CONTROL_PREFIX, appReply, controlReply, type Behaviour } from './mode.js'

/** Stack B: Hono on @hono/node-server. */
export function honoStack(name: string, behaviour: Behaviour, onCrash: () => void): Server {
  const app = new Hono()
  app.all(`${CONTROL_PREFIX}*`, (c) => {
    const reply = controlReply(c.req.method, new URL(c.req.url), behaviour)
    if (reply.crash) setTimeout(onCrash, 10)
    return c.body(reply.body, reply.status as 200, { 'content-type': 'application/json' })
  })
  app.all('*', async (c) => {
    const reply = await appReply('hono', name, c.req.path, behaviour)
    // Hanging: never settle, so the client sees an accepted connection that never answers.
    if (!reply) return new Promise<Response>(() => {})
    return c.body(reply.body, reply.status as 200, { 'content-type': 'application/json' })
  })
  return createAdaptorServer({ fetch: app.fetch }) as Server
}
