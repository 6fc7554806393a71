// Open-loop load: sends GETs on a fixed schedule (rate per second) whatever the server does, and measures
// each latency from the request's *scheduled* send time, so a server that stalls is charged for the queue
// it builds (wrk's closed loop would just send less: coordinated omission). Prints one JSON line.
//
//   node open-loop.js URL RATE SECONDS WARMUP_SECONDS
//
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

const drainMs = 5000

async function run(url: URL, rate: number, seconds: number, warmup: number): Promise<OpenLoopResult> {
  const pool = new Pool(url.origin, { connections: 64, pipelining: 1 })
  const path = url.pathname + url.search
  const total = Math.round(rate * (warmup + seconds))
  const firstMeasured = Math.round(rate * warmup)
  const latencies = new Float64Array(total - firstMeasured).fill(Number.NaN)
  const lags = new Float64Array(total - firstMeasured)
  let errors = 0
  let non2xx = 0
  let completed = 0
  let inFlight = 0
  let closed = false
  const start = performance.now() + 10
  const slot = (i: number) => start + (i * 1000) / rate

  const send = (i: number, scheduled: number) => {
    inFlight++
    if (i >= firstMeasured) lags[i - firstMeasured] = performance.now() - scheduled
    pool
      .request({ path, method: 'GET' })
      .then(async ({ statusCode, body }) => {
        await body.dump()
        if (statusCode < 200 || statusCode > 299) non2xx++
      })
      .catch(() => errors++)
      .finally(() => {
        inFlight--
        if (i < firstMeasured || closed) return
        latencies[i - firstMeasured] = performance.now() - scheduled
        completed++
      })
  }

  await new Promise<void>((resolve) => {
    let i = 0
    const tick = () => {
      const now = performance.now()
      for (; i < total && slot(i) <= now; i++) send(i, slot(i))
      if (i < total) setTimeout(tick, 1)
      else resolve()
    }
    setTimeout(tick, Math.max(0, start - performance.now()))
  })
  const giveUp = performance.now() + drainMs
  while (inFlight > 0 && performance.now() < giveUp) await new Promise((r) => setTimeout(r, 10))
  const end = performance.now()
  let unfinished = 0
  for (let j = 0; j < latencies.length; j++) {
    if (!Number.isNaN(latencies[j]!)) continue
    unfinished++
    latencies[j] = end - slot(j + firstMeasured)
  }
  // Destroying the pool fails what is still in flight; those are counted as unfinished, not as errors.
  const answered = { completed, errors, non2xx }
  closed = true
  await pool.destroy()
  latencies.sort()
  lags.sort()
  return {
    rate,
    seconds,
    scheduled: latencies.length,
    ...answered,
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
