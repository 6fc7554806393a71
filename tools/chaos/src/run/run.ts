import {
  buildReport,
  ledgerFigures,
  topupFigures,
  type ChaosReport,
  type LedgerAnswer,
  type LedgerFigures,
  type ObservedRequest,
} from '../report/index.js'
import { makeSchedule, type FaultKind, type ScheduledProcess } from '../schedule/index.js'
import { launchStack, type WholeStack } from '../stack/index.js'
import { startTraffic, type Outcome, type Traffic } from '../traffic/index.js'
import { Books } from './books.js'
import { heal, inject, type FaultContext } from './faults.js'
import { waitAllUp, watchMarks, type Observer } from './observe.js'
import { progressLine } from './progress.js'
import { FaultTracker } from './tracker.js'

export interface RunOptions {
  readonly durationMs: number
  readonly seed: number
  /** Steady open-loop arrivals, spread over every request class; default 40. */
  readonly ratePerSec?: number
  /** Traffic during the busy-hour burst, as a multiple of the steady rate; default 3. */
  readonly burstMultiplier?: number
  /** The faults to stage, each once; default every kind. */
  readonly kinds?: readonly FaultKind[]
  /** The repository root; default found from this file. */
  readonly root?: string
  /** Stops the run early; the report still covers what ran. */
  readonly signal?: AbortSignal
  /** Progress and notes; default console.log. */
  readonly print?: (line: string) => void
  readonly progressEveryMs?: number
  /** How often the routers' and nameservers' admin APIs are polled for detection; default 250 ms. */
  readonly pollMs?: number
  /** Traffic before the measured window opens; default 5 s. */
  readonly trafficWarmupMs?: number
  /** Changes the stack's config before it starts (a what-if: other timeouts, other checks). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly edit?: (config: any) => void
  /** Every child process's output line. */
  readonly log?: (line: string) => void
  /** Called with the stack once the faults are healed and the books read, before it is stopped (tests). */
  readonly beforeStop?: (stack: WholeStack) => Promise<void> | void
}

export const DEFAULT_RATE_PER_SEC = 40
/** How long to wait for every daemon to see every endpoint up before traffic starts. */
const SETTLE_TIMEOUT_MS = 15_000
/** Traffic before the measured window opens. */
const TRAFFIC_WARMUP_MS = 5_000

/** The processes as the schedule needs them: endpoints with their pool and implementation. */
export function scheduledProcesses(stack: WholeStack): ScheduledProcess[] {
  const labels = new Map<string, { pool: string; stack?: string }>()
  for (const [pool, body] of Object.entries(
    (stack.config.pools ?? {}) as Record<string, { endpoints?: unknown }>,
  ))
    for (const e of (body.endpoints ?? []) as { name: string; labels?: { stack?: string } }[])
      labels.set(e.name, { pool, ...(e.labels?.stack === undefined ? {} : { stack: e.labels.stack }) })
  return stack.processes.map((p) =>
    p.kind === 'endpoint'
      ? { name: p.name, kind: p.kind, ...labels.get(p.name) }
      : { name: p.name, kind: p.kind },
  )
}

/** Waits until epoch ms `at`, or until aborted. */
function sleepUntil(at: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, Math.max(0, at - Date.now()))
    signal?.addEventListener('abort', done, { once: true })
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
  })
}

/**
 * The availability run: the whole stack on ports of its own, steady client traffic of every class through
 * DNS and the routers, the seeded schedule of faults staged and healed, and the report of what the client
 * saw beside what the daemons' ledgers recorded.
 */
export async function runChaos(options: RunOptions): Promise<ChaosReport> {
  const print = options.print ?? ((line: string) => console.log(line))
  const ratePerSec = options.ratePerSec ?? DEFAULT_RATE_PER_SEC
  const { signal } = options
  print(`starting the whole stack (seed ${options.seed}) …`)
  const stack = await launchStack({
    ...(options.root === undefined ? {} : { root: options.root }),
    ...(options.log === undefined ? {} : { log: options.log }),
    ...(options.edit === undefined ? {} : { edit: options.edit }),
  })
  try {
    const schedule = makeSchedule({
      seed: options.seed,
      durationMs: options.durationMs,
      processes: scheduledProcesses(stack),
      ...(options.kinds === undefined ? {} : { kinds: options.kinds }),
      ...(options.burstMultiplier === undefined ? {} : { burstMultiplier: options.burstMultiplier }),
    })
    for (const f of schedule)
      print(
        `  fault ${f.id}: ${f.action} ${f.target} at ${(f.atMs / 1000).toFixed(1)} s, heal at ${(f.healAtMs / 1000).toFixed(1)} s`,
      )
    const trackers = schedule.map((f) => new FaultTracker(f))
    const requests: Outcome[] = []
    const trafficOptions = {
      nameservers: stack.nameservers,
      port: stack.edgePort,
      host: stack.host,
      onOutcome: (o: Outcome) => requests.push(o),
    }
    const books = new Books()
    const ctx: FaultContext = {
      process: (name) => stack.process(name),
      books,
      startBurst(multiplier) {
        const extra = startTraffic({
          ...trafficOptions,
          ratePerSec: ratePerSec * Math.max(0, multiplier - 1),
        })
        return () => extra.stop()
      },
    }
    const observers: Observer[] = stack.processes
      .filter((p) => p.kind !== 'endpoint')
      .map((p) => ({
        name: p.name,
        kind: p.kind as 'dns' | 'edge',
        adminUrl: stack.adminUrl(p.name),
        reachable: () => p.running,
      }))

    if (!signal?.aborted && !(await waitAllUp(observers, SETTLE_TIMEOUT_MS)))
      print(`  not every endpoint was up after ${SETTLE_TIMEOUT_MS / 1000} s; starting anyway`)
    const traffic: Traffic = startTraffic({ ...trafficOptions, ratePerSec })
    // Real clients are already there when a fault strikes: the window opens once every client has resolved
    // and connected, not with the harness's own cold start.
    const warmupMs = options.trafficWarmupMs ?? TRAFFIC_WARMUP_MS
    print(`traffic on: ${ratePerSec} requests/s; the measured window opens in ${warmupMs / 1000} s`)
    await sleepUntil(Date.now() + warmupMs, signal)
    const start = Date.now()
    print(`window open: ${options.durationMs / 1000} s`)
    const watch = watchMarks(observers, options.pollMs ?? 250, (at, marks) => {
      for (const t of trackers) t.onMarks(at, marks)
    })
    const progress = setInterval(
      () => print(progressLine(Date.now() - start, requests, trackers)),
      options.progressEveryMs ?? 5_000,
    )

    const bursts = new Map<number, () => Promise<void>>()
    const events = trackers
      .flatMap((t, i) => [
        { i, at: start + t.fault.atMs, run: () => inject(t, ctx, bursts) },
        { i, at: start + t.fault.healAtMs, run: () => heal(t, ctx, bursts) },
      ])
      .sort((a, b) => a.at - b.at)
    // Per fault, a heal waits for its own injection (reading books before a kill) but never for others.
    const chains: Promise<void>[] = trackers.map(() => Promise.resolve())
    for (const event of events) {
      await sleepUntil(event.at, signal)
      if (signal?.aborted) break
      const t = trackers[event.i]!
      chains[event.i] = chains[event.i]!.then(event.run).catch((error: Error) => {
        t.note = `could not stage or heal: ${error.message}`
        print(`  fault ${t.fault.id}: ${error.message}`)
      })
    }
    await sleepUntil(start + options.durationMs, signal)
    clearInterval(progress)
    // The window ends with the arrivals; the requests still in flight finish inside it.
    const stoppedAt = Date.now()
    await Promise.all([traffic.stop(), ...[...bursts.values()].map((stop) => stop())])
    await Promise.all(chains)
    await watch.stop()
    print(progressLine(stoppedAt - start, requests, trackers))

    const ledger = await readLedgers(stack, observers, start, stoppedAt)
    for (const p of stack.processes)
      if (p.kind === 'endpoint' && p.running) await books.take(p.name, p.address, p.port)
    await options.beforeStop?.(stack)
    const observed: ObservedRequest[] = requests.filter((r) => r.at >= start && r.at < stoppedAt)
    return buildReport({
      seed: options.seed,
      startedAtMs: start,
      stoppedAtMs: stoppedAt,
      plannedDurationMs: options.durationMs,
      interrupted: signal?.aborted ?? false,
      ratePerSec,
      requests: observed,
      faults: trackers.map((t) => t.figures(start, stoppedAt, observed)),
      ledger,
      topups: topupFigures(
        books.read,
        // The books hold the warm-up's top-ups too, so the client's count covers it as well.
        requests.filter((r) => r.name === 'topup' && r.result === 'ok').length,
        books.unread,
      ),
    })
  } finally {
    await stack.stop()
  }
}

/** Every reachable daemon's ledger for the run's window. */
async function readLedgers(
  stack: WholeStack,
  observers: readonly Observer[],
  from: number,
  to: number,
): Promise<LedgerFigures[]> {
  const rows = await Promise.all(
    observers
      .filter((o) => o.reachable())
      .map(async (o) => {
        try {
          const response = await fetch(`${stack.adminUrl(o.name)}/availability`, {
            signal: AbortSignal.timeout(2_000),
          })
          return ledgerFigures(o.name, (await response.json()) as LedgerAnswer, from, to)
        } catch {
          return []
        }
      }),
  )
  return rows.flat()
}
