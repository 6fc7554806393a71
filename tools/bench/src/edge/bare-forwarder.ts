// Node's ceiling for the edge router's job: a bare `node:http` server forwarding every request with
// undici `Pool.stream` to three upstreams in turn, hop-by-hop headers dropped. No routing, health, retries
// or ids: whatever nines-edge costs beyond this is its own.
//
//   node bare-forwarder.js PORT HOST:PORT,HOST:PORT,HOST:PORT
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import { Pool } from 'undici'

// RFC 9110 §7.6.1, plus the legacy ones proxies still see.
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
])

/** A copy of `headers` without hop-by-hop fields, including those the Connection header names. */
function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const named = headers.connection
  const extra = named
    ? new Set(
        String(named)
          .toLowerCase()
          .split(/\s*,\s*/),
      )
    : undefined
  const kept: IncomingHttpHeaders = {}
  for (const name in headers) {
    if (!hopByHop.has(name) && !extra?.has(name)) kept[name] = headers[name]
  }
  return kept
}

const [port, upstreams] = process.argv.slice(2)
const pools = (upstreams ?? '').split(',').map(
  // Enough connections per upstream for wrk -c64 spread over three of them, kept alive.
  (hostPort) => new Pool(`http://${hostPort}`, { connections: 64, pipelining: 1 }),
)
if (!port || pools.length === 0) throw new Error('usage: bare-forwarder PORT HOST:PORT[,HOST:PORT...]')
let next = 0

// Module-level callbacks with the response as `opaque`: no closure per request.
function factory({
  statusCode,
  headers,
  opaque,
}: {
  statusCode: number
  headers: IncomingHttpHeaders
  opaque: ServerResponse
}) {
  opaque.writeHead(statusCode, endToEnd(headers))
  return opaque
}
function done(error: Error | null, { opaque }: { opaque: ServerResponse }) {
  if (!error) return
  if (opaque.headersSent) opaque.destroy(error)
  else opaque.writeHead(502, { 'content-type': 'text/plain' }).end('bad gateway\n')
}

function forward(req: IncomingMessage, res: ServerResponse): void {
  const pool = pools[next]!
  next = (next + 1) % pools.length
  const hasBody =
    req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined
  pool.stream(
    {
      path: req.url ?? '/',
      method: req.method as 'GET',
      headers: endToEnd(req.headers),
      body: hasBody ? req : null,
      opaque: res,
    },
    factory,
    done,
  )
}

const server = createServer({ keepAliveTimeout: 60_000 }, forward)
server.listen(Number(port), '127.0.0.1')
const stop = () =>
  server.close(() => void Promise.all(pools.map((pool) => pool.close())).then(() => process.exit(0)))
process.once('SIGTERM', stop)
process.once('SIGINT', stop)
