import cluster, { type Worker } from 'node:cluster'
import { NinesError } from '@nines/core'
import type { Logger } from '@nines/ops'

type ToWorker = { type: 'input'; input: unknown }
type ToPrimary =
  | { type: 'hello' }
  | { type: 'serving' }
  | { type: 'report'; report: unknown }
  | { type: 'failed'; error: string }

export interface WorkerPoolOptions {
  readonly count: number
  readonly logger: Logger
  /** A worker's periodic report (its counters), kept per worker until it is replaced. */
  readonly onReport?: (reports: readonly unknown[]) => void
  /** Workers failed to start this many times in a row: the pool gives up. Default 5. */
  readonly maxStartFailures?: number
  /** Called once when the pool gives up after it had started; the daemon should stop with this error. */
  readonly onGiveUp: (error: NinesError) => void
  /** First wait before forking again after a quick exit; doubles each time, up to maxBackoffMs. */
  readonly backoffMs?: number
  readonly maxBackoffMs?: number
}

/** A worker that exits sooner than this after it was forked counts as a failure to start. */
const quickExitMs = 10_000

/**
 * `--workers N` with node:cluster, on the primary: forks N workers, sends each the latest input once
 * it says hello (anything sent before would be lost) and every input after; replaces a worker that
 * exits, after a back-off that doubles while workers keep exiting quickly; gives up with a clear error
 * when workers exit before serving `maxStartFailures` times in a row (a port they cannot bind), instead
 * of forking forever.
 */
export class WorkerPool {
  readonly #options: WorkerPoolOptions
  readonly #reports = new Map<number, unknown>()
  readonly #served = new Set<number>()
  readonly #forkedAt = new Map<number, number>()
  readonly #lastError = new Map<number, string>()
  readonly #retries = new Set<NodeJS.Timeout>()
  #latest: { input: unknown } | undefined
  #failures = 0
  #stopping = false
  #everServed = 0
  #startup: { resolve: () => void; reject: (error: NinesError) => void } | undefined

  constructor(options: WorkerPoolOptions) {
    this.#options = options
  }

  /** Forks the workers; resolves once each has served, rejects with the give-up error if they cannot. */
  start(): Promise<void> {
    cluster.setupPrimary({ serialization: 'advanced' })
    cluster.on('exit', (worker, code, signal) => this.#exited(worker, code, signal))
    const started = new Promise<void>((resolve, reject) => (this.#startup = { resolve, reject }))
    for (let i = 0; i < this.#options.count; i++) this.#fork()
    return started
  }

  /** Sends `input` to every worker now and to every worker forked later. */
  publish(input: unknown): void {
    this.#latest = { input }
    for (const worker of Object.values(cluster.workers ?? {})) if (worker) this.#send(worker)
  }

  /** The workers' latest reports. */
  reports(): unknown[] {
    return [...this.#reports.values()]
  }

  /** Stops forking, asks every worker to stop and waits for them (SIGKILL after `graceMs`). */
  async stop(graceMs = 5000): Promise<void> {
    this.#stopping = true
    for (const timer of this.#retries) clearTimeout(timer)
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined)
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve()
            const kill = setTimeout(() => worker.process.kill('SIGKILL'), graceMs)
            worker.once('exit', () => {
              clearTimeout(kill)
              resolve()
            })
            worker.process.kill('SIGTERM')
          }),
      ),
    )
  }

  #send(worker: Worker): void {
    if (this.#latest && worker.isConnected())
      worker.send({ type: 'input', input: this.#latest.input } satisfies ToWorker)
  }

  #fork(): void {
    if (this.#stopping) return
    const worker = cluster.fork()
    this.#forkedAt.set(worker.id, Date.now())
    worker.on('message', (message: ToPrimary) => {
      if (message.type === 'hello') this.#send(worker)
      else if (message.type === 'serving') this.#serving(worker)
      else if (message.type === 'failed') this.#lastError.set(worker.id, message.error)
      else {
        this.#reports.set(worker.id, message.report)
        this.#options.onReport?.(this.reports())
      }
    })
  }

  #serving(worker: Worker): void {
    this.#served.add(worker.id)
    if (++this.#everServed < this.#options.count) return
    this.#startup?.resolve()
    this.#startup = undefined
  }

  #exited(worker: Worker, code: number | null, signal: string | null): void {
    const served = this.#served.delete(worker.id)
    const quick = Date.now() - (this.#forkedAt.get(worker.id) ?? 0) < quickExitMs
    const error = this.#lastError.get(worker.id) ?? `exited (code ${code}, signal ${signal})`
    this.#forkedAt.delete(worker.id)
    this.#lastError.delete(worker.id)
    if (this.#stopping) return
    const { logger, maxStartFailures = 5, backoffMs = 250, maxBackoffMs = 10_000 } = this.#options
    this.#failures = quick ? this.#failures + 1 : 0
    if (!served && this.#failures >= maxStartFailures) {
      this.#stopping = true
      for (const timer of this.#retries) clearTimeout(timer)
      const failed = new NinesError(
        'NINES_ERR_WORKERS_FAILED',
        `workers cannot start (${this.#failures} attempts in a row): ${error}`,
      )
      if (this.#startup) this.#startup.reject(failed)
      else this.#options.onGiveUp(failed)
      this.#startup = undefined
      return
    }
    const delay = this.#failures === 0 ? 0 : Math.min(maxBackoffMs, backoffMs * 2 ** (this.#failures - 1))
    logger.error(
      { worker: worker.id, code, signal, error, retryInMs: delay },
      'worker exited; starting another',
    )
    // One timer per exit: workers that fail together are each replaced.
    const timer = setTimeout(() => {
      this.#retries.delete(timer)
      this.#fork()
    }, delay)
    this.#retries.add(timer)
  }
}

export interface WorkerOptions {
  /** Every input from the primary, in order; the first one should start serving. */
  readonly onInput: (input: unknown) => void | Promise<void>
  /** Sent to the primary every second (counters). */
  readonly report?: () => unknown
  readonly logger: Logger
}

/**
 * The worker side: says hello, hands every input to `onInput`, tells the primary once it serves (or why
 * it cannot, then exits 1) and reports every second. SIGHUP is the primary's; SIGTERM is the caller's.
 */
export function runWorker(options: WorkerOptions): void {
  let serving = false
  let queue: Promise<void> = Promise.resolve()
  const send = (message: ToPrimary): void => void process.send?.(message)
  process.on('SIGHUP', () => undefined)
  process.on('message', (message: ToWorker) => {
    if (message.type !== 'input') return
    queue = queue
      .then(() => options.onInput(message.input))
      .then(
        () => {
          if (serving) return
          serving = true
          send({ type: 'serving' })
        },
        (error: unknown) => {
          const text = error instanceof Error ? error.message : String(error)
          options.logger.fatal({ err: error }, `worker cannot serve: ${text}`)
          // Exit once the message is out, so the primary can say why.
          const exit = () => process.exit(1)
          if (process.send) process.send({ type: 'failed', error: text } satisfies ToPrimary, exit)
          else exit()
        },
      )
  })
  send({ type: 'hello' })
  if (options.report) {
    const report = options.report
    setInterval(() => send({ type: 'report', report: report() }), 1000).unref()
  }
}

export const isWorker = (): boolean => cluster.isWorker
