// nines-dns itself, started as a user would: the built daemon with a generated config, ready when its
// admin API answers /readyz. `workers` adds `--workers N` (node:cluster).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sleep } from '../lib/proc.js'
import { freeDnsPort } from './ports.js'
import {
  logTail,
  startServer,
  type RunningServer,
  type ServerCase,
  type StartContext,
} from './server-case.js'
import { label, origin, targetAddresses, targetPort } from './zone.js'
import { setupError } from './errors.js'

export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url))
export const daemonScript = join(repoRoot, 'apps/dns-server/dist/main.js')
export const instance = 'bench'
const readyTimeoutMs = 30_000

/**
 * The YAML config (format of examples/local.yaml): one instance, one pool of the 3 targets, `svc` → all.
 * `dnsLines` go into the instance's `dns:` entry after `listen` (the DoH bench adds `tls` and `doh`).
 */
export function ninesConfig(
  port: number,
  adminPort: number,
  stateDir: string,
  dnsLines: readonly string[] = [],
): string {
  const endpoints = targetAddresses.map(
    (address, i) => `      - { name: t${i + 1}, address: ${address}, port: ${targetPort} }`,
  )
  return [
    'instances:',
    `  ${instance}:`,
    '    dns:',
    `      listen: ['127.0.0.1:${port}']`,
    ...dnsLines.map((line) => `      ${line}`),
    `    admin: { address: 127.0.0.1, port: ${adminPort} }`,
    `    stateDir: ${JSON.stringify(stateDir)}`,
    'log:',
    '  level: info',
    'pools:',
    '  svc:',
    '    check: { kind: tcp, intervalMs: 2000, timeoutMs: 1000 }',
    '    endpoints:',
    ...endpoints,
    'dns:',
    '  zones:',
    `    ${origin}:`,
    `      soa: { rname: hostmaster.${origin}, minimumSec: 60 }`,
    '      ns:',
    `        - { name: ns1.${origin}, addresses: [127.0.0.1] }`,
    '      names:',
    `        ${label}:`,
    '          pool: svc',
    '          policy: { kind: all }',
    '',
  ].join('\n')
}

export async function waitReady(server: RunningServer, adminPort: number): Promise<void> {
  let exited = false
  void server.started.exited.then(() => (exited = true))
  const deadline = Date.now() + readyTimeoutMs
  while (Date.now() < deadline && !exited) {
    try {
      const response = await fetch(`http://127.0.0.1:${adminPort}/readyz`, {
        signal: AbortSignal.timeout(1000),
      })
      if (response.status === 200) return
    } catch {
      // not listening yet
    }
    await sleep(200)
  }
  await server.stop()
  const why = exited ? 'exited' : `was not ready within ${readyTimeoutMs / 1000} s`
  throw setupError(`nines-dns ${why}; last lines of ${server.logFile}:\n${logTail(server.logFile)}`)
}

export function ninesCase(workers?: number): ServerCase {
  return {
    name: workers === undefined ? 'nines' : `nines-w${workers}`,
    label: workers === undefined ? 'nines-dns (one process)' : `nines-dns --workers ${workers}`,
    optional: false,
    unavailable: () =>
      existsSync(daemonScript)
        ? undefined
        : `build the daemon first: npm run build (${daemonScript} is missing)`,
    async start(context: StartContext) {
      mkdirSync(context.dir, { recursive: true })
      const adminPort = await freeDnsPort(new Set([context.port]))
      const configFile = join(context.dir, 'nines.yaml')
      writeFileSync(configFile, ninesConfig(context.port, adminPort, join(context.dir, 'state')))
      const args = [daemonScript, '--config', configFile, '--instance', instance]
      if (workers !== undefined) args.push('--workers', String(workers))
      const server = startServer(context, process.execPath, args, repoRoot)
      await waitReady(server, adminPort)
      return server
    },
  }
}
