// An upstream with a known capacity that does not depend on this machine's CPU: each endpoint (one port)
// has `slots` concurrent slots, and a request holds one for a fixed `serviceMs` (a timer, no CPU burnt)
// before it is answered 200 with a small body. Requests beyond the slots wait in the endpoint's FIFO, as
// in a thread-pool server, so latency grows under overload. Capacity = ports × slots × 1000 / serviceMs.
//
//   node slot-upstream.js SLOTS SERVICE_MS PORT [PORT...]
//
// A queued request whose client has gone (a proxy gave up on it) is skipped when its turn comes and
// costs no slot time, as a server that checks its connection before working would; it is counted as
// `abandoned`. `/health` and `/stats` (JSON counters of that port; `/stats?reset=1` starts a new
// `maxQueued`) answer at once, outside the slots.
// `/sheddable/…` answers carry no cache headers; every other path says `Cache-Control: no-store`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { SlotGate, type Slot } from './slot-gate.js'

interface Pending {
  readonly req: IncomingMessage
  readonly res: ServerResponse
}

export interface SlotUpstreamStats {
  readonly served: number
  readonly abandoned: number
  readonly queued: number
  readonly busy: number
  readonly maxQueued: number
}

const body = (path: string) => `${`ok ${path} `.padEnd(99, '.').slice(0, 99)}\n`

function endpoint(port: number, slots: number, serviceMs: number): Promise<void> {
  const gate = new SlotGate<Pending>(slots)
  let served = 0
  let abandoned = 0
  const gone = (p: Pending) => p.req.socket.destroyed || p.res.destroyed

  const serve = (p: Pending, slot: Slot) => {
    setTimeout(
      () => {
        if (gone(p)) abandoned++
        else {
          served++
          const text = body(p.req.url ?? '/')
          const headers: Record<string, string | number> = {
            'content-type': 'text/plain',
            'content-length': Buffer.byteLength(text),
          }
          if (!p.req.url?.startsWith('/sheddable/')) headers['cache-control'] = 'no-store'
          p.res.writeHead(200, headers).end(text)
        }
        const next = gate.leave(
          slot,
          performance.now(),
          serviceMs,
          (q) => !gone(q),
          () => abandoned++,
        )
        if (next) serve(next, slot)
      },
      Math.max(0, slot.end - performance.now()),
    )
  }

  const server = createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end('ok\n')
      return
    }
    if (req.url === '/stats' || req.url === '/stats?reset=1') {
      const stats: SlotUpstreamStats = {
        served,
        abandoned,
        queued: gate.queued,
        busy: gate.busy,
        maxQueued: gate.maxQueued,
      }
      if (req.url.endsWith('reset=1')) gate.resetMaxQueued()
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      res.end(JSON.stringify(stats))
      return
    }
    const pending = { req, res }
    const slot = gate.enter(pending, performance.now(), serviceMs)
    if (slot) serve(pending, slot)
  })
  // Proxies keep their connections for the whole run.
  server.keepAliveTimeout = 120_000
  server.headersTimeout = 121_000
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve())
  })
}

const [slotsText, serviceText, ...portTexts] = process.argv.slice(2)
const slots = Number(slotsText)
const serviceMs = Number(serviceText)
const ports = portTexts.map(Number)
if (!(slots >= 1) || !(serviceMs > 0) || ports.length === 0 || !ports.every((p) => p > 0))
  throw new Error('usage: slot-upstream SLOTS SERVICE_MS PORT [PORT...]')
await Promise.all(ports.map((port) => endpoint(port, slots, serviceMs)))
console.log(`slot-upstream: ${ports.length} × ${slots} slots × ${serviceMs} ms on ${ports.join(', ')}`)
process.once('SIGTERM', () => process.exit(0))
