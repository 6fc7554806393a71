// Starts the built nines-dns and nines-edge as a user would, and queries them with dig, Node's resolver and HTTP.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { existsSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

export const dnsMain = fileURLToPath(new URL('../../apps/dns-server/dist/main.js', import.meta.url))
export const edgeMain = fileURLToPath(new URL('../../apps/edge-router/dist/main.js', import.meta.url))
const run = promisify(execFile)

/** A port free for both UDP and TCP on the address (ephemeral range excluded by trying a few). */
export async function freePort(address = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 10_000)
    const ok = await new Promise<boolean>((resolve) => {
      const tcp = createServer()
      tcp.once('error', () => resolve(false))
      tcp.listen(port, address, () => {
        const udp = createSocket('udp4')
        udp.once('error', () => tcp.close(() => resolve(false)))
        udp.bind(port, address, () => udp.close(() => tcp.close(() => resolve(true))))
      })
    })
    if (ok) return port
  }
  throw new Error('no free port found')
}

export interface RunningDaemon {
  readonly adminUrl: string
  readonly dir: string
  readonly configFile: string
  readonly logs: Record<string, unknown>[]
  readonly child: ChildProcess
  readonly exited: Promise<number | null>
  readonly stderr: () => string
  writeConfig(config: object | string): Promise<void>
  signal(signal: NodeJS.Signals): void
  stop(): Promise<number | null>
}

export interface RunningDns extends RunningDaemon {
  readonly port: number
}

export interface RunningEdge extends RunningDaemon {
  /** The plain HTTP listener, `http://127.0.0.1:PORT`. */
  readonly url: string
  readonly port: number
}

/**
 * Writes `config` (JSON is YAML) to a new temp directory and starts `main --config FILE --instance NAME
 * ARGS`; resolves once it logs `<name> ready`. `ports` names the ports to pick (each free and distinct);
 * the config builder gets them with the directory.
 */
export async function spawnDaemon<K extends string>(options: {
  main: string
  name: string
  instance: string
  ports: readonly K[]
  config: (ports: Record<K, number> & { dir: string }) => object
  args?: readonly string[]
  dir?: string
}): Promise<RunningDaemon & { ports: Record<K, number> }> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'nines-e2e-')))
  const configFile = join(dir, 'nines.yaml')
  const writeConfig = (value: object | string) =>
    writeFile(configFile, typeof value === 'string' ? value : JSON.stringify(value, null, 2))
  // A port found free can be taken before the daemon binds it (another test's socket, the same random pick
  // for two ports): then start again on new ports, so such a race never fails a scenario.
  for (let attempt = 1; ; attempt++) {
    const picked = new Set<number>()
    const ports = {} as Record<K, number>
    for (const key of options.ports) {
      let port = await freePort()
      while (picked.has(port)) port = await freePort()
      picked.add(port)
      ports[key] = port
    }
    await writeConfig(options.config({ ...ports, dir }))
    const spawned = spawnProcess(options.main, configFile, options.instance, options.args ?? [])
    const { child, logs, exited, stderr } = spawned
    const ready = await Promise.race([
      waitFor(() => logs.some((l) => l.msg === `${options.name} ready`), 30_000).then(() => true),
      exited.then(() => false),
    ])
    if (!ready && attempt < 3 && /address already in use/.test(stderr())) {
      process.stderr.write(`${options.name}: starting again on new ports after: ${stderr()}`) // to find who took it
      continue
    }
    if (!ready) {
      if (child.exitCode === null) child.kill('SIGKILL')
      throw new Error(`${options.name} exited before it was ready:\n${stderr()}`)
    }
    return {
      ports,
      adminUrl: `http://127.0.0.1:${(ports as Record<string, number>).admin}`,
      dir,
      configFile,
      logs,
      child,
      exited,
      stderr,
      writeConfig,
      signal: (signal) => child.kill(signal),
      async stop() {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
        return exited
      },
    }
  }
}

/** Writes `config` (JSON is YAML) and starts `nines-dns --instance test`; resolves once it logs ready. */
export async function startDns(
  config: (ports: { dns: number; admin: number; dir: string }) => object,
  args: readonly string[] = [],
): Promise<RunningDns> {
  const running = await spawnDaemon({
    main: dnsMain,
    name: 'nines-dns',
    instance: 'test',
    ports: ['dns', 'admin'],
    config,
    args,
  })
  return { ...running, port: running.ports.dns }
}

/**
 * Writes `config` and starts the built `nines-edge --instance NAME` (default `edge`); resolves once it
 * logs ready. Extra ports (`extra`) are picked too and handed to the builder (a DNS instance in the file).
 */
export async function startEdge<K extends string = never>(
  config: (ports: Record<K | 'edge' | 'admin', number> & { dir: string }) => object,
  options: { args?: readonly string[]; instance?: string; extra?: readonly K[] } = {},
): Promise<RunningEdge & { ports: Record<K | 'edge' | 'admin', number> }> {
  const running = await spawnDaemon<K | 'edge' | 'admin'>({
    main: edgeMain,
    name: 'nines-edge',
    instance: options.instance ?? 'edge',
    ports: ['edge', 'admin', ...(options.extra ?? [])],
    config,
    args: options.args ?? [],
  })
  return { ...running, port: running.ports.edge, url: `http://127.0.0.1:${running.ports.edge}` }
}

export interface SpawnedDns {
  readonly child: ChildProcess
  /** Its JSON log lines so far (a line that is not JSON is kept as `{ msg }`). */
  readonly logs: Record<string, unknown>[]
  readonly exited: Promise<number | null>
  readonly stderr: () => string
}

/** Starts `nines-dns --config FILE --instance test ARGS` and collects what it says; waits for nothing. */
export function spawnDns(configFile: string, args: readonly string[] = []): SpawnedDns {
  return spawnProcess(dnsMain, configFile, 'test', args)
}

/** Starts `main --config FILE --instance NAME ARGS` and collects what it says; waits for nothing. */
export function spawnProcess(
  main: string,
  configFile: string,
  instance: string,
  args: readonly string[] = [],
): SpawnedDns {
  const child = spawn(process.execPath, [main, '--config', configFile, '--instance', instance, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const logs: Record<string, unknown>[] = []
  let buffered = ''
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString()
    let newline: number
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline)
      buffered = buffered.slice(newline + 1)
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>)
      } catch {
        logs.push({ msg: line })
      }
    }
  })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return { child, logs, exited, stderr: () => stderr }
}

export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  stepMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, stepMs))
  }
}

export interface DigResult {
  status: string
  flags: string[]
  answers: { name: string; ttl: number; type: string; data: string }[]
  authority: { name: string; ttl: number; type: string; data: string }[]
  additional: { name: string; ttl: number; type: string; data: string }[]
  raw: string
}

/** Runs dig against the server and parses its sections. */
export async function dig(port: number, ...args: string[]): Promise<DigResult> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), '+tries=1', '+time=3', ...args])
  const status = /status: ([A-Z]+)/.exec(stdout)?.[1] ?? 'NONE'
  const flags = (/flags: ([a-z ]+);/.exec(stdout)?.[1] ?? '').trim().split(/\s+/)
  const section = (title: string) => {
    const start = stdout.indexOf(`;; ${title} SECTION:`)
    if (start < 0) return []
    const lines = stdout.slice(start).split('\n').slice(1)
    const end = lines.findIndex((line) => line.trim() === '')
    return lines
      .slice(0, end < 0 ? undefined : end)
      .filter((line) => !line.startsWith(';'))
      .map((line) => {
        const [name = '', ttl = '0', , type = '', ...data] = line.split(/\s+/)
        return { name, ttl: Number(ttl), type, data: data.join(' ') }
      })
  }
  return {
    status,
    flags,
    answers: section('ANSWER'),
    authority: section('AUTHORITY'),
    additional: section('ADDITIONAL'),
    raw: stdout,
  }
}

/** Answer addresses, sorted, for comparing sets. */
export async function addresses(port: number, name: string, type = 'A'): Promise<string[]> {
  return (await dig(port, name, type)).answers
    .filter((a) => a.type === type)
    .map((a) => a.data)
    .sort()
}

export async function admin(running: RunningDaemon, path: string, init?: RequestInit): Promise<Response> {
  return fetch(`${running.adminUrl}${path}`, { ...init, signal: AbortSignal.timeout(5000) })
}

const stacksMain = fileURLToPath(new URL('../../tools/stacks/dist/main.js', import.meta.url))

export interface EndpointProcess {
  readonly url: string
  readonly pid: number
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>
  signal(signal: NodeJS.Signals): void
  stop(): Promise<number | null>
}

/**
 * Starts one demo endpoint as its own process (`tools/stacks/dist/main.js`, built by `npx tsc -b
 * tools/stacks`), so a test can crash it, SIGSTOP it and start it again on the same address and port.
 */
export async function startEndpointProcess(options: {
  stack: string
  name: string
  address: string
  port: number
}): Promise<EndpointProcess> {
  if (!existsSync(stacksMain)) throw new Error(`${stacksMain} is missing: run npx tsc -b tools/stacks`)
  const args = ['--stack', options.stack, '--name', options.name]
  args.push('--address', options.address, '--port', String(options.port))
  const child = spawn(process.execPath, [stacksMain, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  let output = ''
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const url = await new Promise<string | undefined>((resolve) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const line = /\{"msg":"demo endpoint listening".*\}/.exec(output)?.[0]
      if (line) resolve((JSON.parse(line) as { url: string }).url)
    })
    void exited.then(() => resolve(undefined))
  })
  if (url === undefined) throw new Error(`demo endpoint ${options.name} did not start:\n${output}`)
  return {
    url,
    pid: child.pid!,
    exited,
    signal: (signal) => child.kill(signal),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT') // a stopped process cannot act on SIGTERM
        child.kill('SIGKILL')
      }
      return exited
    },
  }
}
