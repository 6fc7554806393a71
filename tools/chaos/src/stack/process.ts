// One process of the whole stack: a daemon instance or a demo endpoint, started, killed, frozen and
// started again by tests and the chaos schedule. Never restarted on its own: who breaks it heals it.
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { setTimeout as sleep } from 'node:timers/promises'

export type ProcessKind = 'dns' | 'edge' | 'endpoint'
export type EndpointMode = 'ok' | 'fail' | 'hang' | 'slow' | 'flap'

export interface StackProcess {
  readonly name: string
  readonly kind: ProcessKind
  /** The service address: edge or endpoint HTTP, DNS UDP/TCP. */
  readonly address: string
  readonly port: number
  readonly pid: number | undefined
  readonly running: boolean
  /** Default SIGKILL; resolves when the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>
  /** SIGSTOP: the sockets stay open and nothing answers (a hung host). */
  freeze(): void
  /** SIGCONT. */
  thaw(): void
  /** (Re)starts it; resolves once it is ready (endpoint `/health`, daemon admin `/readyz` 200). */
  start(): Promise<void>
  /** An endpoint's fault switch (`POST /__nines/mode`); throws for daemons. */
  mode(set: EndpointMode, params?: Record<string, string | number>): Promise<void>
}

export interface ProcessSpec {
  readonly name: string
  readonly kind: ProcessKind
  readonly address: string
  readonly port: number
  readonly command: string
  readonly args: readonly string[]
  readonly cwd: string
  /** 200 once ready. */
  readonly readyUrl: string
  /** How long `start()` waits for readiness; default 45 000 (a loaded 2-core machine starts Node slowly). */
  readonly readyTimeoutMs?: number
}

/** Lines of output kept per process for `tail()`. */
const keptLines = 400
/** A signal other than SIGKILL that has not ended the process after this long is followed by SIGKILL. */
const killGraceMs = 5000

export class ManagedProcess implements StackProcess {
  readonly name: string
  readonly kind: ProcessKind
  readonly address: string
  readonly port: number
  readonly lines: string[] = []
  #child: ChildProcess | undefined
  #exited: Promise<void> = Promise.resolve()
  #frozen = false

  constructor(
    readonly spec: ProcessSpec,
    private readonly log: ((line: string) => void) | undefined,
  ) {
    this.name = spec.name
    this.kind = spec.kind
    this.address = spec.address
    this.port = spec.port
  }

  get pid(): number | undefined {
    return this.running ? this.#child?.pid : undefined
  }

  get running(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null
  }

  #keep(line: string): void {
    this.lines.push(line)
    if (this.lines.length > keptLines) this.lines.splice(0, this.lines.length - keptLines)
    this.log?.(`[${this.name}] ${line}`)
  }

  /** Spawns without waiting for readiness. */
  spawn(): void {
    if (this.running) return
    const child = spawn(this.spec.command, [...this.spec.args], {
      cwd: this.spec.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.#child = child
    this.#frozen = false
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream! }).on('line', (line) => this.#keep(line))
    }
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#keep(`(exited: ${signal ?? `code ${code}`})`)
        resolve()
      })
      child.once('error', (error) => {
        this.#keep(`(cannot start: ${error.message})`)
        resolve()
      })
    })
  }

  async start(): Promise<void> {
    this.spawn()
    await this.waitReady()
  }

  async waitReady(): Promise<void> {
    const timeoutMs = this.spec.readyTimeoutMs ?? 45_000
    const giveUpAt = performance.now() + timeoutMs
    while (performance.now() < giveUpAt) {
      if (!this.running)
        throw new Error(`${this.name} exited before it was ready:\n${this.lines.slice(-20).join('\n')}`)
      try {
        const response = await fetch(this.spec.readyUrl, { signal: AbortSignal.timeout(1000) })
        await response.arrayBuffer()
        if (response.status === 200) return
      } catch {
        // not listening yet
      }
      await sleep(100)
    }
    throw new Error(
      `${this.name} not ready after ${timeoutMs} ms (${this.spec.readyUrl}):\n${this.lines.slice(-20).join('\n')}`,
    )
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child
    if (!child || !this.running) return
    child.kill(signal)
    if (this.#frozen && signal !== 'SIGKILL') child.kill('SIGCONT') // a stopped process never handles SIGTERM
    this.#frozen = false
    if (signal === 'SIGKILL') return this.#exited
    const timer = setTimeout(() => child.kill('SIGKILL'), killGraceMs)
    await this.#exited
    clearTimeout(timer)
  }

  freeze(): void {
    if (!this.running) return
    this.#child!.kill('SIGSTOP')
    this.#frozen = true
  }

  thaw(): void {
    if (!this.running) return
    this.#child!.kill('SIGCONT')
    this.#frozen = false
  }

  async mode(set: EndpointMode, params: Record<string, string | number> = {}): Promise<void> {
    if (this.kind !== 'endpoint') throw new Error(`${this.name} is a ${this.kind} daemon: no fault switch`)
    const query = new URLSearchParams({
      set,
      ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, `${v}`])),
    })
    const response = await fetch(`http://${this.address}:${this.port}/__nines/mode?${query}`, {
      method: 'POST',
      signal: AbortSignal.timeout(2000),
    })
    const text = await response.text()
    if (response.status !== 200) throw new Error(`${this.name} mode ${query}: ${response.status} ${text}`)
  }
}
