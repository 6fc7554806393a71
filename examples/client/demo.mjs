#!/usr/bin/env node
// A request that survives a dead endpoint without waiting for DNS to notice, and a lookup that survives a
// dead nameserver: HTTP GETs in a loop through @nines/client's agent, each line saying which address
// served it, which ones were tried first, and which nameserver gave the addresses. Against `npm start`
// by default; every address is a flag (node examples/client/demo.mjs --help).
import console from 'node:console'
import { existsSync, readFileSync } from 'node:fs'
import { request } from 'node:http'
import { performance } from 'node:perf_hooks'
import process from 'node:process'
import { URL, fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { createHttpAgent, createNodeResolver } from '@nines/client/node'

const localCa = fileURLToPath(new URL('../../var/tls/ca.pem', import.meta.url))
const { values: flags } = parseArgs({
  options: {
    nameservers: { type: 'string', default: '127.0.0.1:5300,127.0.0.2:5300' },
    doh: { type: 'boolean', default: false },
    ca: { type: 'string' },
    host: { type: 'string', default: 'app.nines.test' },
    port: { type: 'string', default: '8080' },
    path: { type: 'string', default: '/' },
    requests: { type: 'string', default: '50' },
    'interval-ms': { type: 'string', default: '200' },
    'max-ttl-sec': { type: 'string', default: '2' },
    quiet: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
})
if (flags.help) {
  console.log(`node examples/client/demo.mjs [options]
  --nameservers LIST   comma-separated specs (default 127.0.0.1:5300,127.0.0.2:5300; also tcp://, tls://, https://…/dns-query)
  --doh                ask https://127.0.0.1:8443/dns-query and https://127.0.0.2:8443/dns-query instead
  --ca FILE            CA of DoH/DoT certificates (default var/tls/ca.pem when it exists)
  --host NAME          default app.nines.test       --port N    default 8080     --path P  default /
  --requests N         default 50                   --interval-ms N  default 200
  --max-ttl-sec N      cache answers at most this long, so nameserver failover shows (default 2)
  --quiet              no instructions banner`)
  process.exit(0)
}
const int = (name) => {
  const n = Number(flags[name])
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name}: expected a whole number, got ${JSON.stringify(flags[name])}`)
    process.exit(2)
  }
  return n
}
const [port, requests, intervalMs, maxTtlSec] = [
  int('port'),
  int('requests'),
  int('interval-ms'),
  int('max-ttl-sec'),
]
const nameservers = flags.doh
  ? ['https://127.0.0.1:8443/dns-query', 'https://127.0.0.2:8443/dns-query']
  : flags.nameservers
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
const caFile = flags.ca ?? (existsSync(localCa) ? localCa : undefined)

const resolver = createNodeResolver({
  nameservers,
  family: 4,
  maxTtlSec,
  staleSec: 86_400,
  ...(caFile !== undefined && { ca: readFileSync(caFile) }),
})
// No keep-alive: every request opens its own connection, so each line shows the address choice again.
const agent = createHttpAgent(resolver.connectOptions, { keepAlive: false })

if (!flags.quiet) {
  console.log(`GET http://${flags.host}:${port}${flags.path} ${requests} times, one every ${intervalMs} ms
nameservers: ${nameservers.join(', ')}  (answers cached at most ${maxTtlSec} s)

Break something while it runs, from another terminal (npm start's stack):
  a router dies         kill $(grep -o '"pid":[0-9]*' var/edge1/lock | cut -d: -f2)   (npm start restarts it after 10 s)
  ns1 freezes           kill -STOP $(pgrep -f -- '--instance ns1')            heal: kill -CONT $(pgrep -f -- '--instance ns1')
What to look for: "tried … first" (a refused address skipped at once, DNS still listing it), and "dns … from"
(ns2 answering within 250 ms of ns1 going silent, then ns1 skipped). An endpoint that accepts and answers
503 (…/__nines/mode?set=fail) is not a dead address: retrying another one is the edge router's job.
`)
}

const get = () =>
  new Promise((resolve) => {
    const req = request({ host: flags.host, port, path: flags.path, agent }, (res) => {
      let body = ''
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => {
        const socket = res.socket
        const served = `${socket.remoteAddress}:${socket.remotePort}`
        const tried = (socket.autoSelectFamilyAttemptedAddresses ?? []).filter((a) => a !== served)
        let who = ''
        try {
          const json = JSON.parse(body)
          who = [json.name, json.stack].filter(Boolean).join(', ')
        } catch {
          who = body.slice(0, 40)
        }
        resolve({ status: res.statusCode, served, tried, who })
      })
    })
    req.setTimeout(2000, () => req.destroy(new Error('no response within 2000 ms')))
    req.on('error', (error) => resolve({ error }))
    req.end()
  })

const tally = { answered: 0, failed: 0, servedBy: new Map(), dnsFrom: new Map() }
for (let i = 1; i <= requests; i++) {
  const started = Date.now()
  let dns
  try {
    const asking = performance.now()
    const answer = await resolver.resolve(flags.host, 'A')
    const ms = (performance.now() - asking).toFixed(0)
    const source = answer.stale ? 'stale' : answer.cached ? 'cached' : `asked, ${ms} ms`
    dns = `dns: ${answer.records.filter((r) => r.type === 1).length} addresses from ${answer.nameserver} (${source})`
    tally.dnsFrom.set(answer.nameserver, (tally.dnsFrom.get(answer.nameserver) ?? 0) + 1)
  } catch (error) {
    dns = `dns: ${error.message}`
  }
  let r = await get()
  // A GET whose connection was reset (its endpoint died while answering) is sent once more, as browsers and
  // OkHttp do for idempotent requests: the new connection goes to a live address.
  const reset = r.error && (r.error.code === 'ECONNRESET' || r.error.code === 'EPIPE')
  if (reset) r = { ...(await get()), retried: r.error.code }
  const n = `#${String(i).padStart(String(requests).length, '0')}`
  if (r.error) {
    tally.failed++
    console.log(`${n}  FAILED  ${r.error.code ?? ''} ${r.error.message}  ${dns}`)
  } else {
    const ok = r.status < 500
    if (ok) tally.answered++
    else tally.failed++
    tally.servedBy.set(r.served, (tally.servedBy.get(r.served) ?? 0) + 1)
    const tried =
      (r.tried.length ? `  tried ${r.tried.join(', ')} first` : '') +
      (r.retried ? `  (sent again after ${r.retried})` : '')
    console.log(`${n}  ${r.status}  served by ${r.served} (${r.who})${tried}  ${dns}`)
  }
  const wait = intervalMs - (Date.now() - started)
  if (i < requests && wait > 0) await sleep(wait)
}
const list = (map) => [...map].map(([k, v]) => `${k} ×${v}`).join(', ') || 'none'
console.log(`
done: ${requests} requests, ${tally.answered} answered, ${tally.failed} failed
served by: ${list(tally.servedBy)}
addresses from: ${list(tally.dnsFrom)}`)
resolver.close()
agent.destroy()
process.exitCode = tally.failed === 0 ? 0 : 1
