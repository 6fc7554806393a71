// The stampede: many clients ask a proxy for one page that is in no cache yet, at once, while the origin
// takes `delayMs` to render it. Counted: how many of them reached the origin, and how long each waited.
import { once } from 'node:events'
import { existsSync } from 'node:fs'
import { Agent, createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { setupError } from '../../dns/errors.js'
import { missing, startServer, type RunningServer } from '../../dns/server-case.js'
import { median } from '../../lib/proc.js'
import { percentile } from '../../lib/percentile.js'
import { freeTcpPorts } from '../../lib/tcp-ports.js'
import { edgeInstance } from '../configs.js'
import { configFile, edgeScript, repoRoot, waitFor } from '../cases.js'
import { haproxyCache, nginxCache, ninesCache, type StampedeConfigInput } from './configs.js'

export const pageBytes = 10 * 1024
const page = Buffer.alloc(pageBytes, 'p')

/** The origin, in the bench's process: `/health`, and `/page/…` after `delayMs` with max-age=60. */
export async function startOrigin(delayMs: number) {
  const seen = new Map<string, number>()
  const server = createServer((req, res) => {
    if (req.url === '/health') return res.end('ok\n')
    seen.set(req.url ?? '', (seen.get(req.url ?? '') ?? 0) + 1)
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/html', 'cache-control': 'max-age=60' }).end(page)
    }, delayMs)
  })
  server.keepAliveTimeout = 60_000
  server.listen(0, '127.0.0.1', 4096)
  await once(server, 'listening')
  return {
    port: (server.address() as AddressInfo).port,
    seen: (path: string) => seen.get(path) ?? 0,
    close: () => {
      server.closeAllConnections()
      return new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

export interface StampedeCase {
  readonly name: string
  readonly label: string
  unavailable(): string | undefined
  start(input: StampedeConfigInput): Promise<RunningServer>
}

const nines = (collapse: boolean): StampedeCase => ({
  name: collapse ? 'nines' : 'nines-no-collapse',
  label: collapse ? 'nines-edge (collapse: true, the default)' : 'nines-edge, `collapse: false`',
  unavailable: () => (existsSync(edgeScript) ? undefined : `not built (${edgeScript} is missing)`),
  async start(input) {
    const [admin] = await freeTcpPorts(1, new Set([input.port, input.origin]))
    const text = ninesCache(input, admin!, join(input.dir, edgeInstance), collapse)
    const file = configFile(input, 'nines.yaml', text)
    const args = [edgeScript, '--config', file, '--instance', edgeInstance]
    const server = startServer(input, process.execPath, args, repoRoot)
    await waitFor(`http://127.0.0.1:${admin}/readyz`, server, 'nines-edge')
    await waitFor(`http://127.0.0.1:${input.port}/health`, server, 'nines-edge')
    return server
  },
})

const nginx = (lock: boolean): StampedeCase => ({
  name: lock ? 'nginx-lock' : 'nginx',
  label: lock ? 'nginx proxy_cache, `proxy_cache_lock on`' : 'nginx proxy_cache (lock off, the default)',
  unavailable: () => missing(['nginx']),
  async start(input) {
    const file = configFile(input, 'nginx.conf', nginxCache(input, lock))
    const args = ['-c', file, '-p', input.dir, '-e', join(input.dir, 'error.log')]
    const server = startServer(input, 'nginx', args)
    await waitFor(`http://127.0.0.1:${input.port}/health`, server, 'nginx')
    return server
  },
})

const haproxy: StampedeCase = {
  name: 'haproxy',
  label: 'HAProxy cache (has no lock)',
  unavailable: () => missing(['haproxy']),
  async start(input) {
    const file = configFile(input, 'haproxy.cfg', haproxyCache(input))
    const server = startServer(input, 'haproxy', ['-db', '-f', file])
    await waitFor(`http://127.0.0.1:${input.port}/health`, server, 'haproxy')
    return server
  },
}

export const stampedeCases: readonly StampedeCase[] = [
  nines(true),
  nines(false),
  nginx(true),
  nginx(false),
  haproxy,
]

export interface StampedeRound {
  /** Requests of the stampede that reached the origin. */
  readonly atOrigin: number
  readonly p50Ms: number
  readonly maxMs: number
  /** Answers other than 200 with the whole page. */
  readonly failed: number
}

/** `clients` GETs of `path`, all sent at once on connections opened beforehand. */
async function stampede(port: number, path: string, agent: Agent, clients: number) {
  const one = () =>
    new Promise<{ ms: number; status: number; bytes: number }>((resolve) => {
      const start = performance.now()
      const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
        let bytes = 0
        res.on('data', (chunk: Buffer) => (bytes += chunk.length))
        res.on('end', () => resolve({ ms: performance.now() - start, status: res.statusCode ?? 0, bytes }))
      })
      req.on('error', () => resolve({ ms: performance.now() - start, status: 0, bytes: 0 }))
      req.setTimeout(15_000, () => req.destroy())
      req.end()
    })
  return Promise.all(Array.from({ length: clients }, one))
}

/** Starts one case, opens `clients` connections, runs `rounds` stampedes on fresh pages, stops it. */
export async function runCase(
  stampedeCase: StampedeCase,
  input: StampedeConfigInput,
  origin: { seen(path: string): number },
  options: { clients: number; rounds: number },
): Promise<StampedeRound[]> {
  const server = await stampedeCase.start(input)
  const agent = new Agent({ keepAlive: true, maxSockets: options.clients })
  try {
    // Every connection open before the first round: the stampede measures the cache, not handshakes.
    const warm = await stampede(input.port, '/health', agent, options.clients)
    if (warm.some((r) => r.status !== 200))
      throw setupError(`${stampedeCase.name}: /health failed during warm-up`)
    const rounds: StampedeRound[] = []
    for (let round = 1; round <= options.rounds; round++) {
      const path = `/page/${stampedeCase.name}/${round}`
      const answers = await stampede(input.port, path, agent, options.clients)
      const ms = answers.map((a) => a.ms).sort((a, b) => a - b)
      rounds.push({
        atOrigin: origin.seen(path),
        p50Ms: percentile(ms, 50),
        maxMs: ms[ms.length - 1]!,
        failed: answers.filter((a) => a.status !== 200 || a.bytes !== pageBytes).length,
      })
    }
    return rounds
  } finally {
    agent.destroy()
    await server.stop()
  }
}

/** Medians over the rounds of one case. */
export function summarize(rounds: readonly StampedeRound[]) {
  return {
    atOrigin: median(rounds.map((r) => r.atOrigin)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    maxMs: median(rounds.map((r) => r.maxMs)),
    failed: rounds.reduce((n, r) => n + r.failed, 0),
  }
}
