import { join } from 'node:path'
import { banner } from './banner.js'
import type { CertificateName } from './certificates.js'
import type { DaemonInstanceEntry, DnsInstanceEntry, InstanceRole, LocalStack } from './local-stack.js'
import type { PortClaim } from './ports.js'
import type { ChildSpec } from './supervisor.js'

export interface StackChild extends ChildSpec {
  /** Answers 200 once the child is ready: a demo endpoint's `/health`, a daemon's `/readyz`. */
  readyUrl: string
}

/** Everything the runner does, as data, so tests can run it with stand-ins on ports of their own. */
export interface Plan {
  /** Checked first; `hint` says how to get the file. */
  requiredFiles: { path: string; label: string; hint: string }[]
  /** Bound for a moment before anything starts; one taken claim and nothing starts. */
  claims: PortClaim[]
  /**
   * Made (or reused) under `<root>/var/tls/` after the claims and before the first phase: the local CA and
   * a certificate per name, which the daemons' DoH and DoT listeners load. None: no step.
   */
  certificates?: { root: string; names: CertificateName[] }
  /** Started in order; each phase must be ready before the next starts. */
  phases: StackChild[][]
  /** Printed once everything is ready. */
  banner: string[]
}

export interface PlanOptions {
  /** A demo endpoint (or the page's server) that exits is started again after this long. Default 15000. */
  restartAfterMs?: number
  /**
   * A daemon that exits is started again after this long. Default 10000: long enough to watch DNS drop a
   * killed router or clients move to the other nameserver, short enough to watch it come back.
   */
  daemonRestartAfterMs?: number
  /** The daemon each role runs, relative to the root; an instance whose role has none is not started. */
  daemonMains?: Partial<Record<InstanceRole, string>>
}

/** The built daemon of each role: every instance of the file gets its process. */
export const daemonMains: Partial<Record<InstanceRole, string>> = {
  dns: 'apps/dns-server/dist/main.js',
  edge: 'apps/edge-router/dist/main.js',
}

/** What an instance of `role` binds, beside its admin port. */
function serviceClaims(i: DaemonInstanceEntry): PortClaim[] {
  if (i.role === 'dns')
    return [
      { protocol: 'udp', address: i.dnsAddress, port: i.dnsPort, owner: `${i.name} DNS` },
      { protocol: 'tcp', address: i.dnsAddress, port: i.dnsPort, owner: `${i.name} DNS` },
      { protocol: 'tcp', address: i.dnsAddress, port: i.dohPort, owner: `${i.name} DoH` },
      { protocol: 'tcp', address: i.dnsAddress, port: i.dotPort, owner: `${i.name} DoT` },
    ]
  return [{ protocol: 'tcp', address: i.httpAddress, port: i.httpPort, owner: `${i.name} HTTP` }]
}

/**
 * The real local stack: the local CA and the nameservers' certificates, then the demo endpoints and the
 * example page's server, then the edge routers, then the nameservers: each phase's first health round
 * finds the one before it up (the nameservers check the edges, which check the endpoints). One daemon per
 * instance, of its role (nines-dns for `dns`). Every child is restarted after it exits: the walk-through
 * kills stacks, routers and nameservers. `root` is the repository root, every child's working directory.
 */
export function planLocalStack(
  root: string,
  stack: LocalStack,
  {
    restartAfterMs = 15_000,
    daemonRestartAfterMs = 10_000,
    daemonMains: mains = daemonMains,
  }: PlanOptions = {},
): Plan {
  const stacksMain = 'tools/stacks/dist/main.js'
  const pageMain = 'tools/local-stack/dist/page-main.js'
  const { page } = stack
  const started = stack.instances.filter((i) => mains[i.role] !== undefined)
  const build = 'run `npm run build` (`npm start` builds first)'
  const claims: PortClaim[] = [
    ...stack.endpoints.map((e): PortClaim => ({
      protocol: 'tcp',
      address: e.address,
      port: e.port,
      owner: `endpoint ${e.name}`,
    })),
    { protocol: 'tcp', address: page.address, port: page.port, owner: 'example page' },
    ...started.flatMap((i): PortClaim[] => [
      ...serviceClaims(i),
      { protocol: 'tcp', address: i.adminAddress, port: i.adminPort, owner: `${i.name} admin` },
    ]),
  ]
  const endpoints = stack.endpoints.map((e): StackChild => ({
    name: e.name,
    command: process.execPath,
    args: [
      join(root, stacksMain),
      '--stack',
      e.stack,
      '--name',
      e.name,
      '--address',
      e.address,
      '--port',
      `${e.port}`,
    ],
    cwd: root,
    readyUrl: `http://${e.address}:${e.port}/health`,
    restartAfterMs,
  }))
  // Served beside the endpoints: it only reads files, and the banner must not wait for it longer.
  const pageServer: StackChild = {
    name: 'page',
    command: process.execPath,
    args: [
      join(root, pageMain),
      ...['--address', page.address, '--port', `${page.port}`],
      ...['--mount', `/=${page.dir}`, '--mount', `/client/=${page.clientDir}`],
    ],
    cwd: root,
    readyUrl: `http://${page.address}:${page.port}/`,
    restartAfterMs,
  }
  const nameservers = started.filter((i): i is DnsInstanceEntry => i.role === 'dns')
  const daemon = (i: DaemonInstanceEntry): StackChild => ({
    name: i.name,
    command: process.execPath,
    args: [join(root, mains[i.role]!), '--config', stack.configPath, '--instance', i.name],
    cwd: root,
    readyUrl: `http://${i.adminAddress}:${i.adminPort}/readyz`,
    restartAfterMs: daemonRestartAfterMs,
  })
  const routers = started.filter((i) => i.role === 'edge').map(daemon)
  return {
    requiredFiles: [
      ...[...new Set(started.map((i) => mains[i.role]!))].map((main) => ({
        path: join(root, main),
        label: main,
        hint: build,
      })),
      { path: join(root, stacksMain), label: stacksMain, hint: build },
      { path: join(root, pageMain), label: pageMain, hint: build },
      { path: join(root, page.clientDir, 'index.js'), label: `${page.clientDir}/index.js`, hint: build },
    ],
    claims,
    certificates: {
      root,
      names: nameservers.map(({ name, dnsAddress, host }) => ({ name, address: dnsAddress, host })),
    },
    phases: [[...endpoints, pageServer], routers, nameservers.map(daemon)].filter((p) => p.length > 0),
    banner: banner(stack, { restartAfterMs, daemonRestartAfterMs }, new Set(started.map((i) => i.name))),
  }
}
