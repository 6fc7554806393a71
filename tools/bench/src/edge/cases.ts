// The cases of the edge bench: what wrk is pointed at and which process tree is "the server" whose CPU
// and memory are counted. Every proxy is started pinned to the server CPU; `direct` is the upstream
// nginx itself (already running on the client CPU).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setupError } from '../dns/errors.js'
import { logTail, missing, startServer, type RunningServer } from '../dns/server-case.js'
import { sleep } from '../lib/proc.js'
import { freeTcpPorts } from '../lib/tcp-ports.js'
import { edgeInstance, haproxy, ninesEdge, proxyNginx } from './configs.js'

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url))
export const edgeScript = join(repoRoot, 'apps/edge-router/dist/main.js')
const forwarderScript = fileURLToPath(new URL('./bare-forwarder.js', import.meta.url))
const readyTimeoutMs = 30_000

export interface EdgeContext {
  /** a fresh directory for this case's config and log */
  readonly dir: string
  readonly port: number
  readonly upstreams: readonly number[]
  readonly cpu: string
  /** the running upstream nginx, the server of the `direct` case */
  readonly upstreamServer: RunningServer
}

export interface EdgeTarget {
  readonly port: number
  /** root of the process tree whose CPU time and RSS are counted */
  readonly pid: number
  readonly logFile: string
  stop(): Promise<void>
}

export interface EdgeCase {
  readonly name: string
  readonly label: string
  /** why it cannot run here, or undefined */
  unavailable(): string | undefined
  start(context: EdgeContext): Promise<EdgeTarget>
}

/** Polls `url` until it answers 200, or throws with the log's tail once `server` exits or time is up. */
export async function waitFor(url: string, server: RunningServer, name: string): Promise<void> {
  let exited = false
  void server.started.exited.then(() => (exited = true))
  const deadline = Date.now() + readyTimeoutMs
  while (Date.now() < deadline && !exited) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) })
      await response.arrayBuffer()
      if (response.status === 200) return
    } catch {
      // not listening yet
    }
    await sleep(200)
  }
  await server.stop()
  const why = exited ? 'exited' : `was not ready within ${readyTimeoutMs / 1000} s`
  throw setupError(`${name} ${why}; last lines of ${server.logFile}:\n${logTail(server.logFile)}`)
}

const target = (port: number, server: RunningServer): EdgeTarget => ({
  port,
  pid: server.started.pid,
  logFile: server.logFile,
  stop: () => server.stop(),
})

/** Writes `text` to `name` in the case's directory (made if missing); returns its path. */
export function configFile(context: Pick<EdgeContext, 'dir'>, name: string, text: string): string {
  mkdirSync(context.dir, { recursive: true })
  const file = join(context.dir, name)
  writeFileSync(file, text)
  return file
}

const isRoot = process.getuid?.() === 0

export const directCase: EdgeCase = {
  name: 'direct',
  label: 'direct (upstream nginx, no proxy)',
  unavailable: () => undefined,
  start: async (context) => ({
    port: context.upstreams[0]!,
    pid: context.upstreamServer.started.pid,
    logFile: context.upstreamServer.logFile,
    stop: async () => {}, // the upstream outlives the cases
  }),
}

export const bareCase: EdgeCase = {
  name: 'bare',
  label: 'bare node:http + undici Pool.stream (ceiling)',
  unavailable: () => (existsSync(forwarderScript) ? undefined : `${forwarderScript} is missing`),
  async start(context) {
    mkdirSync(context.dir, { recursive: true })
    const upstreams = context.upstreams.map((p) => `127.0.0.1:${p}`).join(',')
    const server = startServer(context, process.execPath, [forwarderScript, String(context.port), upstreams])
    await waitFor(`http://127.0.0.1:${context.port}/`, server, 'the bare forwarder')
    return target(context.port, server)
  },
}

export const haproxyCase: EdgeCase = {
  name: 'haproxy',
  label: 'HAProxy (nbthread 1, httpchk)',
  unavailable: () => missing(['haproxy']),
  async start(context) {
    const file = configFile(context, 'haproxy.cfg', haproxy(context.port, context.upstreams))
    const server = startServer(context, 'haproxy', ['-db', '-f', file])
    await waitFor(`http://127.0.0.1:${context.port}/`, server, 'haproxy')
    return target(context.port, server)
  },
}

export const nginxCase: EdgeCase = {
  name: 'nginx',
  label: 'nginx proxy (1 worker, keepalive 64)',
  unavailable: () => missing(['nginx']),
  async start(context) {
    const file = configFile(
      context,
      'nginx.conf',
      proxyNginx(context.dir, context.port, context.upstreams, isRoot),
    )
    // -e: nginx opens its compiled-in error log before reading the config; keep that in the temp dir too.
    const server = startServer(context, 'nginx', [
      '-c',
      file,
      '-p',
      context.dir,
      '-e',
      join(context.dir, 'error.log'),
    ])
    await waitFor(`http://127.0.0.1:${context.port}/`, server, 'nginx proxy')
    return target(context.port, server)
  },
}

export function ninesCase(workers?: number): EdgeCase {
  const name = workers === undefined ? 'nines' : `nines-w${workers}`
  return {
    name,
    label:
      workers === undefined ? 'nines-edge (one process)' : `nines-edge --workers ${workers} (both on CPU 0)`,
    unavailable: () => (existsSync(edgeScript) ? undefined : `not built (${edgeScript} is missing)`),
    async start(context) {
      const [adminPort] = await freeTcpPorts(1, new Set([context.port, ...context.upstreams]))
      const state = join(context.dir, edgeInstance)
      const file = configFile(
        context,
        'nines.yaml',
        ninesEdge(context.port, adminPort!, state, context.upstreams),
      )
      const args = [edgeScript, '--config', file, '--instance', edgeInstance]
      if (workers !== undefined) args.push('--workers', String(workers))
      const server = startServer(context, process.execPath, args, repoRoot)
      await waitFor(`http://127.0.0.1:${adminPort}/readyz`, server, name)
      await waitFor(`http://127.0.0.1:${context.port}/`, server, name)
      return target(context.port, server)
    },
  }
}
