// For tests beside the chain: upstreams and a router with the whole chain on real loopback sockets.
import { once } from 'node:events'
import { createServer, request, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { seededRng, systemClock, type EffectiveState } from '@nines/core'
import { poolSchema } from '@nines/health'
import { admissionSchema, type AdmissionOptionsInput } from '../admit/options.js'
import { ResponseCache } from '../cache/response-cache.js'
import { ejectionSchema } from '../eject/options.js'
import { panicSchema } from '../eject/panic.js'
import { cleanups, listen, type Handler } from '../proxy/testing.js'
import { Router } from '../router/router.js'
import { routesSchema, type RouteInput } from '../routes/route-schema.js'
import type { RequestRecord } from './context.js'
import { createEdgeApp, edgeRequestListener } from './edge-app.js'

export interface Reply {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

export function get(
  port: number,
  host: string,
  path = '/',
  headers: Record<string, string> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', path, headers: { host, ...headers } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

export interface ChainOptions {
  /** Upstream names (each answers its own name) or name → handler. */
  upstreams: string[] | Record<string, Handler>
  routes: RouteInput[]
  states?: Record<string, EffectiveState>
  debug?: boolean
  /** The pool's admission; off when absent. */
  admission?: AdmissionOptionsInput
  /** The response cache's bound in bytes; no cache when absent. */
  cacheBytes?: number
  /** Addresses believed as proxies. */
  trusted?: boolean
}

/** A pool `app` of upstreams and a router with the whole chain in front of them, on real sockets. */
export async function chainOnSockets(options: ChainOptions) {
  const handlers: Record<string, Handler> = Array.isArray(options.upstreams)
    ? Object.fromEntries(
        options.upstreams.map((name): [string, Handler] => [
          name,
          (req, res) => {
            res.setHeader('x-seen-request-id', String(req.headers['x-request-id']))
            res.end(name)
          },
        ]),
      )
    : options.upstreams
  const names = Object.keys(handlers)
  const ports = await Promise.all(names.map(async (name) => (await listen(handlers[name]!)).port))
  const pool = poolSchema.parse({
    check: { kind: 'tcp' },
    endpoints: names.map((name, i) => ({
      name,
      address: '127.0.0.1',
      port: ports[i],
      labels: { stack: name },
    })),
  })
  const states = options.states ?? {}
  const held = new Set<string>()
  const clock = systemClock()
  const admission = options.admission === undefined ? undefined : admissionSchema.parse(options.admission)
  const router = new Router(
    {
      routes: routesSchema.parse(options.routes),
      pools: {
        app: { ...pool, ejection: ejectionSchema.parse({}), panic: panicSchema.parse({}), admission },
      },
    },
    {
      clock,
      rng: seededRng(7),
      health: (id) => {
        const state = states[id.slice('app/'.length)] ?? 'up'
        // An operator's `down` (or `drain`) is an override; a probe's `down` is not.
        return { effective: state, override: state === 'down' && held.has(id) ? 'down' : undefined }
      },
    },
  )
  cleanups.push(() => router.close())
  const cache =
    options.cacheBytes === undefined
      ? undefined
      : new ResponseCache({ maxBytes: options.cacheBytes, maxEntryBytes: options.cacheBytes, clock })
  const records: RequestRecord[] = []
  const app = createEdgeApp({
    clock,
    rng: seededRng(3),
    table: () => router.table,
    via: 'test-edge',
    trusted: () => () => options.trusted ?? false,
    debug: () => options.debug ?? false,
    maxBodyBytes: () => 1024,
    cache: () => cache,
    onRequest: (record) => records.push(record),
  })
  const server = createServer(edgeRequestListener(app) as Parameters<typeof createServer>[1])
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  cleanups.push(() => {
    server.closeAllConnections()
    return new Promise((resolve) => server.close(resolve))
  })
  return { port: (server.address() as AddressInfo).port, router, records, states, held, cache }
}
