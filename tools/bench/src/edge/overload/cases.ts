// The overload run's three cases, on the same slot upstreams: nines-edge with admission on, the same
// nines-edge as a plain proxy, and HAProxy with per-server maxconn and a priority queue.
import { execFile } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setupError } from '../../dns/errors.js'
import { missing, startServer } from '../../dns/server-case.js'
import { freeTcpPorts } from '../../lib/tcp-ports.js'
import { edgeInstance } from '../configs.js'
import { edgeScript, repoRoot, waitFor, type EdgeTarget } from '../cases.js'
import { existsSync } from 'node:fs'
import { isUnknownBusyHourKey, overloadHaproxy, overloadNines, type OverloadShape } from './configs.js'

export interface OverloadContext {
  readonly dir: string
  readonly port: number
  readonly upstreams: readonly number[]
  readonly cpu: string
  readonly shape: OverloadShape
}

export interface OverloadTarget extends EdgeTarget {
  /** what the report should say about how this case ran (e.g. a config fallback) */
  readonly notes: readonly string[]
  /** passive ejections so far (nines-edge's metrics); undefined for a proxy that has none to read */
  ejections?(): Promise<number>
}

/** Sum of `nines_edge_ejections_total` over its series, from the admin `/metrics`. */
export function sumEjections(metrics: string): number {
  let sum = 0
  for (const line of metrics.split('\n')) {
    const match = /^nines_edge_ejections_total(?:\{[^}]*\})? (\S+)/.exec(line)
    if (match) sum += Number(match[1])
  }
  return sum
}

export interface OverloadCase {
  readonly name: string
  readonly label: string
  unavailable(): string | undefined
  start(context: OverloadContext): Promise<OverloadTarget>
}

function writeConfig(dir: string, name: string, text: string): string {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, name)
  writeFileSync(file, text)
  return file
}

/** `nines-edge check FILE`: undefined when the config is accepted, else the daemon's message. */
function checkConfig(file: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [edgeScript, 'check', file],
      { cwd: repoRoot, timeout: 30_000, encoding: 'utf8' },
      (error, stdout, stderr) => resolve(error ? `${stderr}${stdout}`.trim() || error.message : undefined),
    )
  })
}

export const haproxyOverloadCase: OverloadCase = {
  name: 'haproxy',
  label: 'HAProxy (maxconn = slots per server, queue ≤ deadline, priority class by path)',
  unavailable: () => missing(['haproxy']),
  async start(context) {
    const file = writeConfig(
      context.dir,
      'haproxy.cfg',
      overloadHaproxy(context.port, context.upstreams, context.shape),
    )
    const server = startServer(context, 'haproxy', ['-db', '-f', file])
    await waitFor(`http://127.0.0.1:${context.port}/health`, server, 'haproxy')
    return {
      port: context.port,
      pid: server.started.pid,
      logFile: server.logFile,
      stop: () => server.stop(),
      notes: [],
    }
  },
}

function ninesOverloadCase(admission: boolean): OverloadCase {
  const name = admission ? 'nines' : 'nines-plain'
  return {
    name,
    label: admission
      ? 'nines-edge (admission on, sheddable stale copies)'
      : 'nines-edge plain (admission off, no cache)',
    unavailable: () => (existsSync(edgeScript) ? undefined : `not built (${edgeScript} is missing)`),
    async start(context) {
      const [adminPort] = await freeTcpPorts(1, new Set([context.port, ...context.upstreams]))
      const write = (mode: 'on' | 'off' | 'absent') =>
        writeConfig(
          context.dir,
          'nines.yaml',
          overloadNines({
            port: context.port,
            adminPort: adminPort!,
            stateDir: join(context.dir, edgeInstance),
            upstreams: context.upstreams,
            deadlineMs: context.shape.deadlineMs,
            admission: mode,
          }),
        )
      const notes: string[] = []
      let file = write(admission ? 'on' : 'off')
      let refused = await checkConfig(file)
      if (refused && !admission && isUnknownBusyHourKey(refused)) {
        // Before the busy-hour keys exist, a config without them *is* the plain proxy.
        notes.push(
          "this build's config schema has no `admission` / `cache` keys yet, so nines-plain ran without them " +
            '(a plain proxy either way)',
        )
        file = write('absent')
        refused = await checkConfig(file)
      }
      if (refused) {
        const hint = isUnknownBusyHourKey(refused)
          ? ' (this build predates the busy-hour config keys: admission, cache)'
          : ''
        const message = refused.split(`${context.dir}/`).join('').split('\n').join('; ')
        throw setupError(`nines-edge refused its config${hint}: ${message}`)
      }
      const server = startServer(
        context,
        process.execPath,
        [edgeScript, '--config', file, '--instance', edgeInstance],
        repoRoot,
      )
      await waitFor(`http://127.0.0.1:${adminPort}/readyz`, server, name)
      const ejections = async () => {
        const response = await fetch(`http://127.0.0.1:${adminPort}/metrics`, {
          signal: AbortSignal.timeout(2000),
        })
        return sumEjections(await response.text())
      }
      return {
        port: context.port,
        pid: server.started.pid,
        logFile: server.logFile,
        stop: () => server.stop(),
        notes,
        ejections,
      }
    },
  }
}

export const overloadCases: Readonly<Record<string, OverloadCase>> = {
  nines: ninesOverloadCase(true),
  'nines-plain': ninesOverloadCase(false),
  haproxy: haproxyOverloadCase,
}
