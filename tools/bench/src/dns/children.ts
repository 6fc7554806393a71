// Every process the DNS bench starts goes through here, so that all of them (and whatever they fork)
// are stopped on the way out: normally, on an error, on Ctrl-C and on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process'
import { openSync, closeSync } from 'node:fs'
import { descendants } from '../lib/proc-tree.js'
import { setupError } from './errors.js'

export interface Started {
  readonly child: ChildProcess
  readonly pid: number
  /** Resolves when the process has exited (immediately if it already has). */
  readonly exited: Promise<void>
}

/** Starts `command` with stdout and stderr appended to `logFile`, optionally pinned to `cpu` with taskset. */
export function startLogged(
  command: string,
  args: readonly string[],
  logFile: string,
  cpu?: string,
  cwd?: string,
): Started {
  const [cmd, ...rest] = cpu === undefined ? [command, ...args] : ['taskset', '-c', cpu, command, ...args]
  const fd = openSync(logFile, 'a')
  try {
    const child = spawn(cmd!, rest, { stdio: ['ignore', fd, fd], cwd })
    return track(child)
  } finally {
    closeSync(fd)
  }
}

export function track(child: ChildProcess): Started {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    child.once('exit', () => resolve())
    child.once('error', () => resolve()) // failed to spawn: reported by the throw below
  })
  if (child.pid === undefined) throw setupError(`could not start ${child.spawnfile} (is it installed?)`)
  return { child, pid: child.pid, exited }
}

const signal = (pids: readonly number[], name: NodeJS.Signals) => {
  for (const pid of pids) {
    try {
      process.kill(pid, name)
    } catch {
      // already gone
    }
  }
}

/** SIGTERM, then SIGKILL for the whole tree after `graceMs`. */
export async function stopTree(started: Started, graceMs = 3000): Promise<void> {
  const tree = descendants(started.pid)
  signal(tree.slice(0, 1), 'SIGTERM')
  let timer: NodeJS.Timeout | undefined
  await Promise.race([started.exited, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))])
  clearTimeout(timer)
  // Children that outlive their parent were reparented; kill them by the pids read before.
  const rootGone = started.child.exitCode !== null || started.child.signalCode !== null
  signal(rootGone ? tree.slice(1) : tree, 'SIGKILL')
  await started.exited
}

/** SIGKILLs every descendant of this process; synchronous so that it can run in an 'exit' handler. */
export function killAllSync(): void {
  signal(descendants(process.pid).slice(1), 'SIGKILL')
}

let installed = false
/** Kills every descendant when this process exits, including on SIGINT / SIGTERM. */
export function installCleanup(): void {
  if (installed) return
  installed = true
  process.once('exit', killAllSync)
  process.once('SIGINT', () => process.exit(130))
  process.once('SIGTERM', () => process.exit(143))
}
