import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { CONTROL_PREFIX, controlReply, streamGate, type Behaviour, type Reply } from './mode.js'

const STACK = 'cms'

/** Content the CMS serves; fixed, so the edge's cache copies can be compared with the origin. */
export const FAQ = [
  { q: 'How do I top up?', a: 'POST /api/topup with your account, the amount in cents and a request id.' },
  { q: 'Where is my statement?', a: 'GET /api/statement?account=… streams this month as CSV.' },
  { q: 'Why did the chat reconnect?', a: 'An endpoint went away; the client reconnects to another one.' },
]
export const BANNER = { text: 'Maintenance window Sunday 02:00–03:00 UTC', until: '2030-01-01T00:00:00Z' }

/** Cached copies may be served for 30 s: long enough for an edge cache to hold stale content. */
const CACHE = 'max-age=30'

function send(res: ServerResponse, reply: Reply, cache = false): void {
  res
    .writeHead(reply.status, {
      'content-type': 'application/json',
      ...(cache ? { 'cache-control': CACHE } : {}),
      ...reply.headers,
    })
    .end(reply.body)
}

/**
 * The single CMS of the seed (not duplicated across stacks): `GET /cms/faq`, `GET /cms/banner`, `/health`,
 * `/healthz`, on `node:http`, with the same switches as the API stacks.
 */
export function cmsStack(name: string, behaviour: Behaviour, onCrash: () => void): Server {
  return createServer((req: IncomingMessage, res) => {
    const url = new URL(req.url ?? '/', 'http://cms')
    const method = req.method ?? 'GET'
    if (url.pathname.startsWith(CONTROL_PREFIX)) {
      const reply = controlReply(method, url, behaviour)
      res
        .writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers })
        .end(reply.body, () => {
          if (reply.crash) onCrash()
        })
      return
    }
    void streamGate(STACK, name, behaviour, url.pathname).then((gate) => {
      if (gate === undefined || res.destroyed) return
      if (gate !== 'open') return send(res, gate)
      const routes: Record<string, () => unknown> = {
        '/health': () => ({ status: 'ok', stack: STACK, name }),
        '/healthz': () => ({ status: 'ok', stack: STACK, name }),
        '/cms/faq': () => ({ stack: STACK, name, faq: FAQ }),
        '/cms/banner': () => ({ stack: STACK, name, ...BANNER }),
      }
      const route = routes[url.pathname]
      if (!route)
        return send(res, { status: 404, body: JSON.stringify({ error: 'not found', path: url.pathname }) })
      if (method !== 'GET' && method !== 'HEAD')
        return send(res, { status: 405, body: '{"error":"use GET"}', headers: { allow: 'GET' } })
      send(res, { status: 200, body: JSON.stringify(route()) }, url.pathname.startsWith('/cms/'))
    })
  })
}
