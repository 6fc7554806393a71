// The overload run's open-loop generator: GETs to /critical/…, /normal/… and /sheddable/… (Host
// app.bench.test) on a fixed schedule of `rate` per second, whatever the proxy does, with a seeded Rng
// choosing each request's class. Latency runs from the request's *scheduled* send time. Prints one JSON
// line (a LoadResult).
//
//   node class-load.js '<LoadPlan as JSON>'
//
// Open loop means a request never waits for a connection: the generator has up to `maxConnections`
// requests in flight (one per connection, no pipelining, so undici never queues one behind another),
// and a request whose slot comes while all of them are busy is not sent and is counted `unsent`.
// A request unanswered `giveUpMs` after it was sent is aborted and counted as an error (`unanswered`).
import { seededRng } from '@nines/core'
import { Pool } from 'undici'
import { percentile } from '../../lib/percentile.js'
import { benchHost, nextRequest, type RequestClass } from './class-mix.js'
import { classify, summarize, type ClassSummary, type Outcome, type RequestRecord } from './summary.js'

export interface LoadPlan {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string
  readonly rate: number
  readonly seconds: number
  /** the same rate, not measured, before the measured part (the warm-up's answers are awaited first) */
  readonly warmupSeconds: number
  readonly seed: number
  readonly deadlineMs: number
  readonly graceMs: number
  readonly maxConnections: number
  readonly giveUpMs: number
}

export interface LoadResult {
  readonly plan: LoadPlan
  readonly scheduled: number
  /** how late the generator's timers sent requests (in everyone's latency alike) */
  readonly sendLagP50Ms: number
  readonly sendLagP99Ms: number
  /** most requests in flight at once (≤ maxConnections) */
  readonly maxInFlight: number
  readonly classes: readonly ClassSummary[]
}

interface Step {
  readonly records: RequestRecord[]
  readonly lags: Float64Array
}

async function schedule(pool: Pool, plan: LoadPlan, seed: number, seconds: number): Promise<Step> {
  const rng = seededRng(seed)
  const count = Math.round(plan.rate * seconds)
  const records: RequestRecord[] = new Array<RequestRecord>(count)
  const lags = new Float64Array(count)
  const start = performance.now() + 10
  const slot = (i: number) => start + (i * 1000) / plan.rate
  const set = (i: number, cls: RequestClass, outcome: Outcome, latencyMs: number, detail?: string) => {
    records[i] = detail === undefined ? { cls, outcome, latencyMs } : { cls, outcome, latencyMs, detail }
  }
  const classes = new Array<RequestClass>(count)
  let answered = 0

  const send = (i: number) => {
    const scheduled = slot(i)
    const { cls, path } = nextRequest(rng)
    classes[i] = cls
    lags[i] = performance.now() - scheduled
    if (inFlight >= plan.maxConnections) {
      set(i, cls, 'unsent', 0, 'not sent (no free connection)')
      answered++
      return
    }
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    pool
      .request({
        path,
        method: 'GET',
        headers: { host: benchHost },
      })
      .then(async ({ statusCode, headers, body }) => {
        await body.dump()
        const { outcome, detail } = classify(statusCode, headers)
        set(i, cls, outcome, performance.now() - scheduled, detail)
      })
      .catch((error: unknown) => {
        const e = error as { name?: string; code?: string }
        const detail =
          e.code?.startsWith('UND_ERR_') && e.code.endsWith('_TIMEOUT')
            ? 'unanswered'
            : (e.code ?? e.name ?? 'error')
        set(i, cls, 'error', performance.now() - scheduled, detail)
      })
      .finally(() => {
        inFlight--
        answered++
      })
  }

  await new Promise<void>((resolve) => {
    let i = 0
    const tick = () => {
      const now = performance.now()
      for (; i < count && slot(i) <= now; i++) send(i)
      if (i < count) setTimeout(tick, 1)
      else resolve()
    }
    setTimeout(tick, Math.max(0, start - performance.now()))
  })
  // Every request ends by undici's timeouts, so this wait is bounded by giveUpMs.
  const giveUp = performance.now() + plan.giveUpMs + 2000
  while (answered < count && performance.now() < giveUp) await new Promise((r) => setTimeout(r, 10))
  // Still open (should not happen): counted as unanswered, with the wait so far.
  const end = performance.now()
  for (let i = 0; i < count; i++)
    records[i] ??= { cls: classes[i]!, outcome: 'error', latencyMs: end - slot(i), detail: 'unanswered' }
  return { records, lags }
}

let inFlight = 0
let maxInFlight = 0

async function run(plan: LoadPlan): Promise<LoadResult> {
  // Idle connections stay open for the step (undici would close them after 4 s and reconnect mid-run).
  const pool = new Pool(plan.origin, {
    connections: plan.maxConnections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
    // Every request is dispatched at once (never queued in undici), so these bound its whole wait.
    headersTimeout: plan.giveUpMs,
    bodyTimeout: plan.giveUpMs,
  })
  if (plan.warmupSeconds > 0) await schedule(pool, plan, plan.seed ^ 0x5eed, plan.warmupSeconds)
  maxInFlight = 0
  const { records, lags } = await schedule(pool, plan, plan.seed, plan.seconds)
  await pool.destroy()
  lags.sort()
  return {
    plan,
    scheduled: Math.round(plan.rate * plan.seconds),
    sendLagP50Ms: percentile(lags, 50),
    sendLagP99Ms: percentile(lags, 99),
    maxInFlight,
    classes: summarize(records, plan.deadlineMs, plan.graceMs),
  }
}

const plan = JSON.parse(process.argv[2] ?? 'null') as LoadPlan | null
if (!plan || !(plan.rate > 0) || !(plan.seconds > 0)) throw new Error("usage: class-load '<LoadPlan JSON>'")
console.log(JSON.stringify(await run(plan)))
