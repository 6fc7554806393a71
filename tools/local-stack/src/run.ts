import { existsSync } from 'node:fs'
import { constants } from 'node:os'
import { relative } from 'node:path'
import { ensureLocalCertificates } from './certificates.js'
import type { Plan } from './plan.js'
import { describeTakenPort, findTakenPorts } from './ports.js'
import { createSupervisor, outputLabel, type ChildFailure } from './supervisor.js'
import { waitUntilReady } from './wait-ready.js'

export interface RunOptions {
  /** Gets every output line; `console.log` by default. */
  write?: (line: string) => void
  /** Aborting stops everything (Ctrl-C); `runLocalStack` then resolves 0. */
  signal?: AbortSignal
  /** Everything must be ready within this long, or everything stops. Default 20000. */
  readyTimeoutMs?: number
  /** SIGTERM, then SIGKILL after this long. Default 5000. */
  stopGraceMs?: number
}

const runnerName = 'stack'

/**
 * Runs a plan until `signal` aborts or an essential child exits (before the banner: any child), and
 * resolves with the exit code for the process: 0 after a requested stop, 1 when something is missing,
 * taken or never ready, or the failed child's own code. It resolves only when every child has exited.
 */
export async function runLocalStack(plan: Plan, options: RunOptions = {}): Promise<number> {
  const { write = (line) => console.log(line), signal, readyTimeoutMs = 20_000, stopGraceMs = 5000 } = options
  const children = plan.phases.flat()
  const labelWidth = Math.max(runnerName.length, ...children.map((c) => c.name.length)) + 2
  const say = (line: string): void => write(outputLabel(runnerName, labelWidth) + line)

  const missing = plan.requiredFiles.filter((file) => !existsSync(file.path))
  for (const file of missing) say(`${file.label} is missing: ${file.hint}`)
  if (missing.length > 0) return 1

  const taken = await findTakenPorts(plan.claims)
  if (
    taken.length > 1 &&
    taken.length === plan.claims.length &&
    taken.every((t) => t.code === 'EADDRINUSE')
  ) {
    // Every one: most likely the stack itself, started in another terminal. One line, not one per port.
    const [first] = taken
    say(
      `all ${taken.length} ports of the stack are in use (${first!.address}:${first!.port}/${first!.protocol} ` +
        `for ${first!.owner}, …): is \`npm start\` already running in another terminal?`,
    )
  } else for (const port of taken) say(describeTakenPort(port))
  if (taken.length > 0) {
    say('nothing was started')
    return 1
  }
  if (signal?.aborted) return 0

  if (plan.certificates !== undefined) {
    const { root, names } = plan.certificates
    try {
      const tls = await ensureLocalCertificates(root, names)
      const where = relative(root, tls.dir) || tls.dir
      say(
        tls.made.length === 0
          ? `certificates: reusing ${where}/ (CA ${relative(root, tls.caFile)})`
          : `certificates: made ${tls.made.join(', ')} in ${where}/ (CA ${relative(root, tls.caFile)})`,
      )
    } catch (error) {
      say(`cannot make the local certificates: ${(error as Error).message}; nothing was started`)
      return 1
    }
  }

  // Strict until the banner: a child that cannot start fails the run with its last lines, now.
  const supervisor = createSupervisor({ write, stopGraceMs, labelWidth, strictUntilSettled: true })
  // Even if the runner itself crashes, its children must not outlive it.
  const killOnExit = (): void => supervisor.killNow()
  process.once('exit', killOnExit)
  const done = new AbortController()
  let failure: ChildFailure | undefined
  void supervisor.failed.then((f) => {
    failure = f
    done.abort()
  })
  const onAbort = (): void => {
    const reason: unknown = signal?.reason
    say(`${typeof reason === 'string' ? reason : 'stop requested'}: stopping everything`)
    done.abort()
  }
  signal?.addEventListener('abort', onAbort, { once: true })

  let code = 0
  try {
    const giveUpAt = performance.now() + readyTimeoutMs
    for (const phase of plan.phases) {
      for (const child of phase) supervisor.start(child)
      const timeoutMs = Math.max(0, giveUpAt - performance.now())
      const pending = await waitUntilReady(
        phase.map((c) => c.readyUrl),
        { timeoutMs, signal: done.signal },
      )
      if (done.signal.aborted) break
      if (pending.length > 0) {
        say(`not ready after ${readyTimeoutMs / 1000} s: ${pending.join(', ')}; stopping everything`)
        code = 1
        break
      }
    }
    if (code === 0 && !done.signal.aborted) {
      supervisor.settle()
      for (const line of plan.banner) write(line)
      await new Promise((resolve) => done.signal.addEventListener('abort', resolve, { once: true }))
    }
    if (failure !== undefined) {
      code = failureCode(failure)
      say(`${failure.name} exited; its last output:`)
      for (const line of failure.lastLines) say(`  ${line}`)
      say(`stopping everything (exit code ${code})`)
    }
  } finally {
    signal?.removeEventListener('abort', onAbort)
    await supervisor.stop()
    process.off('exit', killOnExit)
  }
  say('stopped; no process left')
  return code
}

/** The failed child's code; a code 0 still means the stack failed, and a signal maps to 128 + its number. */
function failureCode({ code, signal }: ChildFailure): number {
  if (code !== null && code !== 0) return code
  if (signal !== null) return 128 + (constants.signals[signal] ?? 0)
  return 1
}
