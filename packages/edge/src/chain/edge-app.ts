import type { IncomingMessage, ServerResponse } from 'node:http'
import { getRequestListener } from '@hono/node-server'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { Clock, Rng } from '@nines/core'
import { Hono } from 'hono'
import type { ResponseCache } from '../cache/response-cache.js'
import type { RouteRuntime } from '../router/router.js'
import type { RouteTable } from '../routes/table.js'
import { admitStage } from './admit-stage.js'
import { cacheStage } from './cache-stage.js'
import { classifyStage } from './classify-stage.js'
import type { EdgeEnv, RequestRecord } from './context.js'
import { proxyStage } from './proxy-stage.js'
import { Recorder } from './recorder.js'
import { requestContext } from './request-context.js'
import { routeStage } from './route-stage.js'
import { runStages } from './stages.js'
import { writeProblem } from './respond.js'

export interface EdgeAppOptions {
  readonly clock: Clock
  readonly rng: Rng
  /** The route table in force, read per request (a reload swaps it). */
  readonly table: () => RouteTable<RouteRuntime>
  readonly via: string
  readonly trusted: () => (address: string) => boolean
  readonly debug: () => boolean
  /** `limits.maxBodyBytes` of the instance. */
  readonly maxBodyBytes: () => number
  /** The instance's response cache (`edge.cache`); undefined when off. */
  readonly cache?: (() => ResponseCache | undefined) | undefined
  /** Every finished request (metrics, sampled access log). Keep it cheap: it runs per request. */
  readonly onRequest?: (record: RequestRecord) => void
  /** A bug in a stage: logged by the caller; the client gets a 500 with the request id. */
  readonly onError?: (error: Error, requestId: string | undefined) => void
}

/**
 * The edge router as a chain of Hono middlewares: request context → route → classify → cache → admit →
 * proxy (the retry loop: balance → forward). The cache comes before admission so that a fresh copy never
 * waits in a queue or counts against a pool's limit. Each stage is a factory returning a named `(c, next)`;
 * `runStages` runs them as one handler (Hono's compose costs a promise per stage per request).
 */
export function createEdgeApp(options: EdgeAppOptions): Hono<EdgeEnv> {
  const recorder = new Recorder(options.clock, options.onRequest)
  const staged = { ...options, recorder }
  const app = new Hono<EdgeEnv>()
  app.all(
    '*',
    runStages([
      requestContext(options.clock),
      routeStage(options.table, recorder),
      classifyStage(options.trusted),
      cacheStage({ ...staged, cache: options.cache ?? (() => undefined) }),
      admitStage(staged),
      proxyStage(staged),
    ]),
  )
  app.onError((error, c) => {
    const requestId = c.get('requestId') as string | undefined
    options.onError?.(error, requestId)
    const res = c.env.outgoing
    if (res.headersSent) res.destroy()
    else writeProblem(res, 500, 'NINES_ERR_INTERNAL', requestId ?? '-')
    return RESPONSE_ALREADY_SENT
  })
  return app
}

/** A Node request listener running the chain on Node's raw request and response. */
export function edgeRequestListener(
  app: Hono<EdgeEnv>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return getRequestListener(app.fetch) as (req: IncomingMessage, res: ServerResponse) => Promise<void>
}
