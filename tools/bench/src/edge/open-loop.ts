// Open-loop load: sends GETs on a fixed schedule (rate per second) whatever the server does, and measures
// each latency from the request's *scheduled* send time, so a server that stalls is charged for the queue
// it builds (wrk's closed loop would just send less: coordinated omission). Prints one JSON line.
//
//   node open-loop.js URL RATE SECONDS WARMUP_SECONDS
//
// It first runs WARMUP_SECONDS at the same rate, unmeasured, and waits for that queue to drain: a cold
// Node process falls behind for its first second or so, and that backlog would otherwise show up as a
// ~100-250 ms p99 even against the bare upstream.
// Timers fire about every millisecond, so a send can start up to ~1 ms after its slot; that lag is in
// every case's latency alike (see `sendLag*`) and cancels out in "added p99" (case − direct).
import { Pool } from 'undici'
import { percentile } from '../lib/percentile.js'

export interface OpenLoopResult {
  readonly rate: number
  readonly seconds: number
  readonly scheduled: number
  readonly completed: number
  readonly errors: number
  readonly non2xx: number
  /** still unanswered 5 s after the last slot; counted in the percentiles with that wait */
  readonly unfinished: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly p999Ms: number
  readonly maxMs: number
  readonly sendLagP50Ms: number
  readonly sendLagP99Ms: number
}

/** How long to wait for answers after the last slot (and for the warm-up's queue to drain). */
const drainMs = 5000

/** Sends `count` GETs on the schedule `rate`/s; `onDone(i, latencyMs, ok, status)` for each answer. */
async function schedule(
  pool: Pool,
  path: string,
  rate: number,
  count: number,
  onDone: (i: number, latencyMs: number, failed: boolean, statusCode: number) => void,
): Promise<{ lags: Float64Array; start: number }> {
  const lags = new Float64Array(count)
  const start = performance.now() + 10
  const slot = (i: number) => start + (i * 1000) / rate
  const send = (i: number, scheduled: number) => {
    lags[i] = performance.now() - scheduled
    pool
      .request({ path, method: 'GET' })
      .then(async ({ statusCode, body }) => {
        await body.dump()
        onDone(i, performance.now() - scheduled, false, statusCode)
      })
      .catch(() => onDone(i, performance.now() - scheduled, true, 0))
  }
  await new Promise<void>((resolve) => {
    let i = 0
    const tick = () => {
      const now = performance.now()
      for (; i < count && slot(i) <= now; i++) send(i, slot(i))
      if (i < count) setTimeout(tick, 1)
      else resolve()
    }
    setTimeout(tick, Math.max(0, start - performance.now()))
  })
  return { lags, start }
}

const waitUntil = async (done: () => boolean, maxMs: number) => {
  const giveUp = performance.now() + maxMs
  while (!done() && performance.now() < giveUp) await new Promise((r) => setTimeout(r, 10))
}

async function run(url: URL, rate: number, seconds: number, warmup: number): Promise<OpenLoopResult> {
  // Idle connections stay open (undici closes them after 4 s by default, then reconnects mid-run).
  const pool = new Pool(url.origin, { connections: 64, pipelining: 1, keepAliveTimeout: 60_000 })
  const path = url.pathname + url.search
  // Warm-up at the same rate, not measured, then wait for its queue to drain: a cold Node process
  // (JIT, new connections) falls behind for its first second or so, and that backlog is the generator's.
  let warmLeft = Math.round(rate * warmup)
  await schedule(pool, path, rate, warmLeft, () => warmLeft--)
  await waitUntil(() => warmLeft <= 0, drainMs)

  const total = Math.round(rate * seconds)
  const latencies = new Float64Array(total).fill(Number.NaN)
  const answered = { completed: 0, errors: 0, non2xx: 0 }
  let closed = false
  const { lags, start } = await schedule(pool, path, rate, total, (i, latencyMs, failed, statusCode) => {
    if (closed) return // failed by the final destroy(): counted as unfinished
    latencies[i] = latencyMs
    answered.completed++
    if (failed) answered.errors++
    else if (statusCode < 200 || statusCode > 299) answered.non2xx++
  })
  await waitUntil(() => answered.completed >= total, drainMs)
  const end = performance.now()
  let unfinished = 0
  for (let j = 0; j < latencies.length; j++) {
    if (!Number.isNaN(latencies[j]!)) continue
    unfinished++
    latencies[j] = end - (start + (j * 1000) / rate)
  }
  const result = { ...answered }
  closed = true
  await pool.destroy()
  latencies.sort()
  lags.sort()
  return {
    rate,
    seconds,
    scheduled: total,
    ...result,
    unfinished,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    p999Ms: percentile(latencies, 99.9),
    maxMs: latencies[latencies.length - 1] ?? Number.NaN,
    sendLagP50Ms: percentile(lags, 50),
    sendLagP99Ms: percentile(lags, 99),
  }
}

const [url, rate, seconds, warmup] = process.argv.slice(2)
if (!url || !(Number(rate) > 0) || !(Number(seconds) > 0))
  throw new Error('usage: open-loop URL RATE SECONDS [WARMUP_SECONDS]')
console.log(JSON.stringify(await run(new URL(url), Number(rate), Number(seconds), Number(warmup ?? 1))))
