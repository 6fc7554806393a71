#!/usr/bin/env node
// A slot upstream for the busy-hour scenarios, run as its own process (plain JS: no build step):
// `--slots N` requests are served at once, each for `--service-ms` of timer time (no CPU), and the rest
// wait in one FIFO. Its capacity is N × 1000 / serviceMs requests per second whatever the machine's load.
//
// What a path answers (the first segment that matches decides):
//   critical, normal, app → Cache-Control: no-store
//   private               → Cache-Control: private, max-age=60
//   cookie                → Cache-Control: max-age=60 and a Set-Cookie
//   fresh                 → Cache-Control: max-age=60
//   anything else (sheddable, cms) → no cache headers at all
// The body is JSON `{ name, path, n }`, n counting this process's application answers from 1.
// `/health` skips the slots. Control, never through the edge:
//   POST /__ctl/mode?set=ok|hang|fail|slow   hang: accept and never answer (health too); fail: 503 at once;
//                                       slow: five times the service time (capacity a fifth)
//   GET  /__ctl/stats                   { mode, served, inflight, queued, maxQueued, counts: { path: n } }
/* global console, process, setTimeout, URL */
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    name: { type: 'string', default: 'slot' },
    address: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    slots: { type: 'string', default: '4' },
    'service-ms': { type: 'string', default: '50' },
  },
})
const name = values.name
const slots = Number(values.slots)
const serviceMs = Number(values['service-ms'])

let mode = 'ok'
let served = 0
let inflight = 0
let maxQueued = 0
/** Requests per path that reached the application (counted on arrival, whatever happened next). */
const counts = {}
/** Waiting for a slot, first come first served. */
const queue = []

const cacheRules = [
  [['critical', 'normal', 'app'], { 'cache-control': 'no-store' }],
  [['private'], { 'cache-control': 'private, max-age=60' }],
  [['cookie'], { 'cache-control': 'max-age=60', 'set-cookie': 'session=s1; Path=/; HttpOnly' }],
  [['fresh'], { 'cache-control': 'max-age=60' }],
]

function cacheHeaders(path) {
  const segments = path.split('?')[0].split('/').filter(Boolean)
  for (const segment of segments) {
    for (const [names, headers] of cacheRules) if (names.includes(segment)) return headers
  }
  return {}
}

function reply(res, status, body, headers = {}) {
  if (res.destroyed || res.writableEnded) return
  res.writeHead(status, { 'content-type': 'application/json', 'x-slot-name': name, ...headers })
  res.end(body)
}

function startService(req, res) {
  inflight++
  setTimeout(
    () => {
      inflight--
      served++
      reply(res, 200, JSON.stringify({ name, path: req.url, n: served }), cacheHeaders(req.url))
      next()
    },
    mode === 'slow' ? serviceMs * 5 : serviceMs,
  )
}

function next() {
  while (inflight < slots && queue.length > 0) {
    const { req, res } = queue.shift()
    // A caller that gave up (the edge's deadline) takes no slot: capacity stays what it says.
    if (req.socket.destroyed || res.destroyed) continue
    startService(req, res)
  }
}

function control(req, res, url) {
  if (url.pathname === '/__ctl/stats') {
    const stats = { name, mode, served, inflight, queued: queue.length, maxQueued, counts }
    return reply(res, 200, JSON.stringify(stats))
  }
  if (url.pathname === '/__ctl/mode' && req.method === 'POST') {
    const set = url.searchParams.get('set')
    if (set !== 'ok' && set !== 'hang' && set !== 'fail' && set !== 'slow')
      return reply(res, 400, '{"error":"ok|hang|fail|slow"}')
    mode = set
    return reply(res, 200, JSON.stringify({ mode }))
  }
  return reply(res, 404, '{"error":"unknown control"}')
}

const server = createServer({ keepAliveTimeout: 10_000 }, (req, res) => {
  const url = new URL(req.url, 'http://upstream')
  if (url.pathname.startsWith('/__ctl/')) return control(req, res, url)
  if (mode === 'hang') return // accepted, never answered: the caller's timeout ends it
  if (mode === 'fail') return reply(res, 503, JSON.stringify({ name, error: 'failing on purpose' }))
  if (url.pathname === '/health') return reply(res, 200, JSON.stringify({ name, status: 'ok' }))
  counts[req.url] = (counts[req.url] ?? 0) + 1
  if (inflight < slots) return startService(req, res)
  queue.push({ req, res })
  maxQueued = Math.max(maxQueued, queue.length)
})
server.headersTimeout = 10_000
server.requestTimeout = 0 // a hang lasts until the caller leaves

server.listen(Number(values.port), values.address, () => {
  const { address, port } = server.address()
  const url = `http://${address}:${port}`
  console.log(JSON.stringify({ msg: 'slot upstream listening', name, url, slots, serviceMs }))
})
server.on('error', (error) => {
  console.error(`cannot listen on ${values.address}:${values.port}: ${error.message}`)
  process.exit(1)
})
const stop = () => {
  server.closeAllConnections()
  server.close(() => process.exit(0))
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
