import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { shortenLogLine } from './log-line.js'

export interface ChildSpec {
  /** The label of its output lines, e.g. `b` or `ns1`; unique within a supervisor. */
  name: string
  command: string
  args: readonly string[]
  cwd: string
  /**
   * Start it again this long after it exits on its own. Without it (or, with `strictUntilSettled`, before
   * `settle()`), its exit fails the whole stack.
   */
  restartAfterMs?: number
}

/** A child that exited on its own and may not restart (see `ChildSpec.restartAfterMs`). */
export interface ChildFailure {
  name: string
  code: number | null
  signal: NodeJS.Signals | null
  /** Its last output lines, shortened, oldest first. */
  lastLines: string[]
}

export interface ChildStatus {
  name: string
  /** The current or last process id; undefined until the first spawn succeeds. */
  pid: number | undefined
  running: boolean
  /** How many times it was spawned, restarts included. */
  starts: number
}

export interface SupervisorOptions {
  /** Gets every output line, already labelled; `console.log` by default. */
  write?: (line: string) => void
  /** SIGTERM, then SIGKILL for what is left after this long. Default 5000. */
  stopGraceMs?: number
  /** Output lines kept per child for a failure report. Default 20. */
  tailLines?: number
  /** Labels are padded to this width so output lines align. Default 0. */
  labelWidth?: number
  /**
   * Until `settle()`, every child that exits fails the stack, restartable or not: a daemon that cannot
   * start (a bad file, a port) is reported with its last lines at once, not restarted until a timeout.
   * Default false.
   */
  strictUntilSettled?: boolean
}

export interface Supervisor {
  start(spec: ChildSpec): void
  /** Resolves when a child that may not restart exits on its own (not during `stop`). */
  readonly failed: Promise<ChildFailure>
  /** Everything started: from now on children with `restartAfterMs` are restarted (`strictUntilSettled`). */
  settle(): void
  status(): ChildStatus[]
  /** SIGTERM to every child's process group, SIGKILL after the grace; resolves when all have exited. */
  stop(): Promise<void>
  /** SIGKILL to every running child's process group, synchronously: for a `process.on('exit')` handler. */
  killNow(): void
}

interface Tracked {
  spec: ChildSpec
  process: ChildProcess | undefined
  running: boolean
  starts: number
  tail: string[]
  /** Settles when the current process has exited and its output is read. */
  exited: Promise<void>
  restartTimer: NodeJS.Timeout | undefined
}

// After a process exits, its pipes may still hold its last lines; a grandchild can keep them open forever.
const drainOutputMs = 1000

/** Formats a label the way the supervisor prefixes output: `[ns1] `. */
export function outputLabel(name: string, width = 0): string {
  return `[${name}]`.padEnd(width) + ' '
}

/**
 * Runs child processes, each in its own process group (so SIGTERM and SIGKILL reach anything it forks),
 * labels their output, restarts those that may restart, and reports the first essential one that exits.
 */
export function createSupervisor({
  write = (line) => console.log(line),
  stopGraceMs = 5000,
  tailLines = 20,
  labelWidth = 0,
  strictUntilSettled = false,
}: SupervisorOptions = {}): Supervisor {
  const children = new Map<string, Tracked>()
  let settled = !strictUntilSettled
  let stopping: Promise<void> | undefined
  let reportFailure: (failure: ChildFailure) => void = () => {}
  const failed = new Promise<ChildFailure>((resolve) => (reportFailure = resolve))

  const say = (tracked: Tracked, line: string): void =>
    write(outputLabel(tracked.spec.name, labelWidth) + line)

  function readLines(tracked: Tracked, stream: Readable): void {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (raw) => {
      const line = shortenLogLine(raw)
      tracked.tail.push(line)
      if (tracked.tail.length > tailLines) tracked.tail.shift()
      say(tracked, line)
    })
  }

  function launch(tracked: Tracked): void {
    const { spec } = tracked
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      // Never stdin: CI has none, and the terminal's Ctrl-C must reach only the runner, which stops in order.
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    tracked.process = child
    tracked.running = child.pid !== undefined
    tracked.starts += 1
    readLines(tracked, child.stdout)
    readLines(tracked, child.stderr)
    const outputClosed = once(child, 'close').catch(() => undefined)
    tracked.exited = new Promise<void>((resolve) => {
      let settled = false
      const onExit = async (code: number | null, signal: NodeJS.Signals | null): Promise<void> => {
        if (settled) return
        settled = true
        tracked.running = false
        // Whatever it forked and left behind goes with it.
        if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL')
        await Promise.race([outputClosed, sleep(drainOutputMs)])
        resolve()
        if (stopping === undefined) afterExit(tracked, code, signal)
      }
      child.once('exit', (code, signal) => void onExit(code, signal))
      child.once('error', (error) => {
        say(tracked, `cannot start: ${error.message}`)
        // A failed spawn emits no 'exit'.
        if (child.pid === undefined) void onExit(null, null)
      })
    })
  }

  function afterExit(tracked: Tracked, code: number | null, signal: NodeJS.Signals | null): void {
    const how = signal !== null ? `signal ${signal}` : `code ${code}`
    const { restartAfterMs } = tracked.spec
    if (restartAfterMs === undefined || !settled) {
      say(tracked, `exited (${how})`)
      reportFailure({ name: tracked.spec.name, code, signal, lastLines: [...tracked.tail] })
      return
    }
    const crash = code === 0 ? '' : 'crash, '
    say(tracked, `exited (${crash}${how}); restarting in ${restartAfterMs / 1000} s`)
    tracked.restartTimer = setTimeout(() => {
      tracked.restartTimer = undefined
      if (stopping !== undefined) return
      say(tracked, 'restarting')
      launch(tracked)
    }, restartAfterMs)
  }

  async function stopAll(): Promise<void> {
    const live = [...children.values()]
    for (const tracked of live) {
      clearTimeout(tracked.restartTimer)
      if (tracked.running && tracked.process?.pid !== undefined) signalGroup(tracked.process.pid, 'SIGTERM')
    }
    const escalate = setTimeout(() => {
      for (const tracked of live) {
        if (!tracked.running || tracked.process?.pid === undefined) continue
        say(tracked, `still running ${stopGraceMs / 1000} s after SIGTERM; sending SIGKILL`)
        signalGroup(tracked.process.pid, 'SIGKILL')
      }
    }, stopGraceMs)
    await Promise.all(live.map((tracked) => tracked.exited))
    clearTimeout(escalate)
  }

  return {
    start(spec) {
      if (children.has(spec.name)) throw new Error(`a child named "${spec.name}" was already started`)
      if (stopping !== undefined) throw new Error('the supervisor is stopping; start nothing more')
      const tracked: Tracked = {
        spec,
        process: undefined,
        running: false,
        starts: 0,
        tail: [],
        exited: Promise.resolve(),
        restartTimer: undefined,
      }
      children.set(spec.name, tracked)
      launch(tracked)
    },
    failed,
    settle() {
      settled = true
    },
    status() {
      return [...children.values()].map(({ spec, process, running, starts }) => ({
        name: spec.name,
        pid: process?.pid,
        running,
        starts,
      }))
    },
    stop() {
      stopping ??= stopAll()
      return stopping
    },
    killNow() {
      for (const { running, process } of children.values()) {
        if (running && process?.pid !== undefined) signalGroup(process.pid, 'SIGKILL')
      }
    },
  }
}

/** Signals a child's whole process group (it leads one: `detached`); a group already gone is fine. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return
    // Platforms without process groups: the child alone.
    try {
      process.kill(pid, signal)
    } catch {
      // Already gone.
    }
  }
}
