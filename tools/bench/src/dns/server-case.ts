// What the DNS bench needs from each server it compares: whether it can run here, and how to start it
// pinned to one CPU on a port it is given. Readiness is checked by the caller with dig.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startLogged, stopTree, type Started } from './children.js'

export interface StartContext {
  /** a fresh directory for this server's config, state and log */
  readonly dir: string
  readonly port: number
  /** taskset CPU list to pin the server to */
  readonly cpu?: string
}

export interface RunningServer {
  readonly started: Started
  readonly logFile: string
  stop(): Promise<void>
}

export interface ServerCase {
  /** the name used on the command line (`--cases`) */
  readonly name: string
  /** the row label in the report */
  readonly label: string
  /** peers are skipped with a note when they cannot run; nines and the dgram ceiling are required */
  readonly optional: boolean
  /** why it cannot run here, or undefined when it can */
  unavailable(): string | undefined
  start(context: StartContext): Promise<RunningServer>
}

export function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', 'command -v "$1"', 'sh', command], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

export const missing = (commands: readonly string[]): string | undefined => {
  const absent = commands.filter((command) => !onPath(command))
  return absent.length ? `not installed: ${absent.join(', ')}` : undefined
}

/** Starts a server process with its output in `<dir>/server.log`, in `cwd` (default: `dir`). */
export function startServer(
  context: StartContext,
  command: string,
  args: readonly string[],
  cwd: string = context.dir,
): RunningServer {
  mkdirSync(context.dir, { recursive: true })
  const logFile = join(context.dir, 'server.log')
  const started = startLogged(command, args, logFile, context.cpu, cwd)
  return { started, logFile, stop: () => stopTree(started) }
}

/** The last lines of a log, for error messages. */
export function logTail(logFile: string, lines = 20): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return '(no log)'
  }
}
