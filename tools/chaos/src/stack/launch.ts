// The whole stack of the committed file (both nameservers, both routers, every demo endpoint) on ports
// of its own, in a directory of its own, so tests and chaos runs never meet a developer's `npm start`.
import { ensureLocalCertificates } from '@nines/local-stack'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { parse, stringify } from 'yaml'
import { remapPorts } from './ports.js'
import { ManagedProcess, type ProcessSpec, type StackProcess } from './process.js'
import { applyPorts, applyStateDirs, portUses, splitHostPort } from './remap.js'

export interface LaunchOptions {
  /** The repository root; default found upwards from this file (the directory holding nx.json). */
  root?: string
  /** Default `<root>/examples/local.yaml`. */
  configFile?: string
  /**
   * Default a new temporary directory (removed by `stop()`): the remapped config, stateDirs, var/tls
   * certificates. A given one is kept.
   */
  dir?: string
  /** Start only these processes (default all). */
  only?: string[]
  /** Changes the parsed config (already remapped) before it is written, e.g. shorter TTLs. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  edit?: (config: any) => void
  /** How long each process may take to become ready; default 45 000. */
  readyTimeoutMs?: number
  /** Every child's output line, labelled `[name]`; default kept in memory only (`tail`). */
  log?: (line: string) => void
}

export interface EndpointState {
  /** `pool/endpoint`, e.g. `app/a1` */
  readonly id: string
  readonly observed: string
  readonly effective: string
}

export interface WholeStack {
  readonly dir: string
  /** The remapped file every daemon reads. */
  readonly configFile: string
  /** Its parsed content. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly config: any
  /** `127.0.0.1:P`, `127.0.0.2:P` (UDP/TCP), in file order. */
  readonly nameservers: string[]
  /** `https://127.0.0.x:P/dns-query` */
  readonly dohUrls: string[]
  /** The local CA of the DoH and DoT certificates. */
  readonly caFile: string
  /** Both routers listen on it. */
  readonly edgePort: number
  /** `app.nines.test` */
  readonly host: string
  process(name: string): StackProcess
  readonly processes: readonly StackProcess[]
  /** `http://127.0.0.1:P` of a daemon's admin API. */
  adminUrl(instance: string): string
  /** What a daemon's monitor says of every endpoint it probes (`GET /endpoints` of its admin API). */
  endpointStates(instance: string): Promise<EndpointState[]>
  /** Rewrites the file (the daemons reload on change). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  writeConfig(mutate: (config: any) => void): Promise<void>
  /** The last lines of a process's output. */
  tail(name: string, lines?: number): string[]
  /** SIGTERM all, SIGKILL after 5 s; resolves when no process is left. */
  stop(): Promise<void>
}

/** The directory holding nx.json above this file (src/ or dist/ of tools/chaos). */
export function findRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir
    if (dirname(dir) === dir) throw new Error(`no repository root (nx.json) above ${from}`)
  }
}

type Json = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`
  await writeFile(temporary, text)
  await rename(temporary, file) // a daemon watching the file never reads half of it
}

/** The processes of the file: one per instance, one per pool endpoint that is not an instance's listener. */
function processSpecs(config: Json, root: string, configFile: string): ProcessSpec[] {
  const specs: ProcessSpec[] = []
  const listeners = new Set<string>()
  const mains = { dns: 'apps/dns-server/dist/main.js', edge: 'apps/edge-router/dist/main.js' } as const
  for (const [name, instance] of Object.entries((config.instances ?? {}) as Record<string, Json>)) {
    const kind = instance.dns ? 'dns' : 'edge'
    const { address, port } = splitHostPort(instance[kind].listen[0])
    for (const listen of instance[kind].listen as string[]) listeners.add(listen)
    specs.push({
      name,
      kind,
      address,
      port,
      command: process.execPath,
      args: [join(root, mains[kind]), '--config', configFile, '--instance', name],
      cwd: root,
      readyUrl: `http://${instance.admin.address}:${instance.admin.port}/readyz`,
    })
  }
  const endpoints: ProcessSpec[] = []
  for (const pool of Object.values((config.pools ?? {}) as Record<string, Json>)) {
    for (const e of pool.endpoints as Json[]) {
      if (listeners.has(`${e.address}:${e.port}`) || e.labels?.stack === undefined) continue
      endpoints.push({
        name: e.name,
        kind: 'endpoint',
        address: e.address,
        port: e.port,
        command: process.execPath,
        args: [
          join(root, 'tools/stacks/dist/main.js'),
          ...['--stack', e.labels.stack, '--name', e.name, '--address', e.address, '--port', `${e.port}`],
        ],
        cwd: root,
        readyUrl: `http://${e.address}:${e.port}/health`,
      })
    }
  }
  return [...specs, ...endpoints]
}

/**
 * Starts the stack: the demo endpoints first (so the routers' first probes find them), then every daemon;
 * resolves once each process is ready and each router answers `/healthz` for the app through a stack.
 */
export async function launchStack(options: LaunchOptions = {}): Promise<WholeStack> {
  // The fresh ports are free when picked and bound a moment later: another test may take one in between.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchOnce(options)
    } catch (error) {
      if (attempt >= 3 || !/EADDRINUSE|address already in use/i.test((error as Error).message)) throw error
      options.log?.(`(a port was taken while starting; starting again on new ports)`)
    }
  }
}

async function launchOnce(options: LaunchOptions): Promise<WholeStack> {
  const root = options.root ?? findRoot()
  const source = options.configFile ?? join(root, 'examples', 'local.yaml')
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'nines-chaos-')))
  await mkdir(dir, { recursive: true })
  const config = parse(await readFile(source, 'utf8')) as Json

  applyPorts(config, await remapPorts(portUses(config)))
  applyStateDirs(config, dir)
  const dnsInstances = Object.entries((config.instances ?? {}) as Record<string, Json>).filter(
    ([, i]) => i.dns,
  )
  const zone = Object.keys(config.dns?.zones ?? { 'nines.test': 0 })[0]!
  const certificates = await ensureLocalCertificates(
    dir,
    dnsInstances.map(([name, i]) => ({
      name,
      address: splitHostPort(i.dns.listen[0]).address,
      host: `${name}.${zone}`,
    })),
  )
  for (const [name, i] of dnsInstances) if (i.dns.tls) i.dns.tls.certificates = [certificates.servers[name]]
  options.edit?.(config)

  const configFile = join(dir, 'nines.yaml')
  await writeAtomically(configFile, stringify(config))
  const all = processSpecs(config, root, configFile).map(
    (spec) =>
      new ManagedProcess(
        { ...spec, ...(options.readyTimeoutMs !== undefined && { readyTimeoutMs: options.readyTimeoutMs }) },
        options.log,
      ),
  )
  const byName = new Map(all.map((p) => [p.name, p]))
  const started = options.only ? all.filter((p) => options.only!.includes(p.name)) : all
  for (const name of options.only ?? [])
    if (!byName.has(name)) throw new Error(`no process ${name} in ${source}`)

  const nameservers = dnsInstances.map(([, i]) => i.dns.listen[0] as string)
  const dohUrls = dnsInstances.flatMap(([, i]) =>
    (i.dns.doh?.listen ?? []).map((l: string) => `https://${l}/dns-query`),
  )
  const edges = all.filter((p) => p.kind === 'edge')
  const host = (config.edge?.routes?.[0]?.host as string | undefined) ?? 'app.nines.test'
  const adminUrl = (instance: string) => {
    const admin = config.instances?.[instance]?.admin
    if (!admin) throw new Error(`no instance ${instance}`)
    return `http://${admin.address}:${admin.port}`
  }

  const stack: WholeStack = {
    dir,
    configFile,
    config,
    nameservers,
    dohUrls,
    caFile: certificates.caFile,
    edgePort: edges[0]?.port ?? 0,
    host,
    processes: all,
    process(name) {
      const p = byName.get(name)
      if (!p) throw new Error(`no process ${name}; there are ${[...byName.keys()].join(', ')}`)
      return p
    },
    adminUrl,
    async endpointStates(instance) {
      const response = await fetch(`${adminUrl(instance)}/endpoints`, { signal: AbortSignal.timeout(5000) })
      const list = (await response.json()) as {
        id: string
        pool: string
        observed: string
        effective: string
      }[]
      return list.map((e) => ({ id: `${e.pool}/${e.id}`, observed: e.observed, effective: e.effective }))
    },
    async writeConfig(mutate) {
      mutate(config)
      await writeAtomically(configFile, stringify(config))
    },
    tail(name, lines = 50) {
      return (byName.get(name)?.lines ?? []).slice(-lines)
    },
    async stop() {
      await Promise.all(all.map((p) => p.kill('SIGTERM')))
      if (options.dir === undefined) await rm(dir, { recursive: true, force: true })
    },
  }

  try {
    const endpoints = started.filter((p) => p.kind === 'endpoint')
    await Promise.all(endpoints.map((p) => p.start()))
    await Promise.all(started.filter((p) => p.kind !== 'endpoint').map((p) => p.start()))
    await Promise.all(
      started.filter((p) => p.kind === 'edge').map((p) => waitServing(p.address, p.port, host, p.name)),
    )
    // Settled: every daemon has seen every started process it probes come up (a fresh nameserver
    // answers every router, failed open, until its first rise), so clients start from the steady state.
    const startedAt = new Set(started.map((p) => `${p.address}:${p.port}`))
    await Promise.all(
      started
        .filter((p) => p.kind !== 'endpoint')
        .map((p) => waitSettled(stack, p.name, (e) => startedAt.has(`${e.address}:${e.port}`))),
    )
  } catch (error) {
    await stack.stop()
    throw error
  }
  return stack
}

/** Until every endpoint of `instance`'s monitor that `relevant` keeps is up. */
async function waitSettled(
  stack: WholeStack,
  instance: string,
  relevant: (e: { address: string; port: number }) => boolean,
  timeoutMs = 45_000,
) {
  const giveUpAt = performance.now() + timeoutMs
  let last = ''
  while (performance.now() < giveUpAt) {
    try {
      const response = await fetch(`${stack.adminUrl(instance)}/endpoints`, {
        signal: AbortSignal.timeout(5000),
      })
      const list = (await response.json()) as {
        id: string
        address: string
        port: number
        effective: string
      }[]
      const notUp = list
        .filter((e) => relevant(e) && e.effective !== 'up')
        .map((e) => `${e.id} ${e.effective}`)
      if (notUp.length === 0) return
      last = notUp.join(', ')
    } catch (error) {
      last = (error as Error).message
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`${instance} does not see every process up after ${timeoutMs} ms (${last})`)
}

/** Until the router answers `/healthz` for `host` with 200: it has found at least one stack up. */
async function waitServing(address: string, port: number, host: string, name: string, timeoutMs = 45_000) {
  const giveUpAt = performance.now() + timeoutMs
  let last = ''
  while (performance.now() < giveUpAt) {
    try {
      // undici's request, not fetch: fetch sends the URL's host, whatever the headers say
      const response = await request(`http://${address}:${port}/healthz`, {
        headers: { host },
        signal: AbortSignal.timeout(1000),
      })
      await response.body.dump()
      if (response.statusCode === 200) return
      last = `${response.statusCode}`
    } catch (error) {
      last = (error as Error).message
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${name} does not serve ${host} after ${timeoutMs} ms (last: ${last})`)
}
