// What the busy-hour scenarios share: slot upstreams of known capacity in their own processes, an
// open-loop load driver with a seeded class mix, the deployment they write, and summaries of a run.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { Pool, request } from 'undici'
import { fastHttpCheck } from './deployment.js'
import { host } from './edge.js'
import { freePort, waitFor, type RunningEdge } from './harness.js'

const slotMain = fileURLToPath(new URL('./slot-upstream.mjs', import.meta.url))

/** Metric names of the busy-hour stages (the admin port's `/metrics`). */
export const metrics = {
  /** `{pool}` */
  limit: 'nines_edge_admission_limit',
  /** `{pool, class}` */
  inflight: 'nines_edge_admission_inflight',
  /** `{pool, class}` */
  queued: 'nines_edge_admission_queued',
  /** `{pool, class, reason}`: queue-full, queue-timeout, deadline, evicted, closed. */
  shed: 'nines_edge_shed_total',
  /** `{route, how, why}`: how hit, stale or fallback; why the stale reason or the error code. */
  degraded: 'nines_edge_degraded_total',
} as const

/** A metric's samples that match `labels`, summed by the value of label `by` (`reason` → count). */
export async function metricBy(
  edge: RunningEdge,
  name: string,
  labels: Record<string, string>,
  by: string,
): Promise<Record<string, number>> {
  const response = await fetch(`${edge.adminUrl}/metrics`, { signal: AbortSignal.timeout(5000) })
  const sums: Record<string, number> = {}
  for (const line of (await response.text()).split('\n')) {
    if (!line.startsWith(`${name}{`)) continue
    const labelText = /\{(.*)\}/.exec(line)?.[1] ?? ''
    if (Object.entries(labels).some(([k, v]) => !labelText.includes(`${k}="${v}"`))) continue
    const key = new RegExp(`${by}="([^"]*)"`).exec(labelText)?.[1] ?? ''
    sums[key] = (sums[key] ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return sums
}

export interface SlotOptions {
  name: string
  address: string
  port: number
  slots: number
  serviceMs: number
}

export interface SlotStats {
  name: string
  mode: 'ok' | 'hang' | 'fail'
  served: number
  inflight: number
  queued: number
  maxQueued: number
  /** Requests per path (with its query) that reached the application. */
  counts: Record<string, number>
}

/** One slot upstream process (`slot-upstream.mjs`); `start` (re)starts it on its address and port. */
export class SlotUpstream {
  private child: ReturnType<typeof spawn> | undefined
  private exited: Promise<unknown> = Promise.resolve()
  url: string

  constructor(readonly options: SlotOptions) {
    this.url = `http://${options.address}:${options.port}`
  }

  get name(): string {
    return this.options.name
  }

  /** The pool entry of this endpoint. */
  get endpoint(): { name: string; address: string; port: number } {
    const { name, address, port } = this.options
    return { name, address, port }
  }

  async start(): Promise<void> {
    const { name, address, port, slots, serviceMs } = this.options
    const args = ['--name', name, '--address', address, '--port', String(port)]
    args.push('--slots', String(slots), '--service-ms', String(serviceMs))
    const child = spawn(process.execPath, [slotMain, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    this.child = child
    this.exited = new Promise((resolve) => child.once('exit', resolve))
    let output = ''
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const listening = await new Promise<boolean>((resolve) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('"slot upstream listening"')) resolve(true)
      })
      void this.exited.then(() => resolve(false))
    })
    if (!listening) throw new Error(`slot upstream ${name} did not start:\n${output}`)
  }

  /** Running and answering (`mode=ok`), whatever a failed scenario left behind. */
  async ensureServing(): Promise<void> {
    const child = this.child
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) await this.start()
    await this.mode('ok')
  }

  /** SIGKILL: connections are reset, new ones refused. */
  async kill(): Promise<void> {
    const child = this.child
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGKILL')
    await this.exited
  }

  stop(): Promise<void> {
    return this.kill()
  }

  async mode(set: 'ok' | 'hang' | 'fail' | 'slow'): Promise<void> {
    const response = await fetch(`${this.url}/__ctl/mode?set=${set}`, {
      method: 'POST',
      signal: AbortSignal.timeout(2000),
    })
    if (response.status !== 200) throw new Error(`${this.name} mode ${set}: ${response.status}`)
  }

  async stats(): Promise<SlotStats> {
    const response = await fetch(`${this.url}/__ctl/stats`, { signal: AbortSignal.timeout(2000) })
    return (await response.json()) as SlotStats
  }

  /** Requests for `path` that reached this upstream. */
  async count(path: string): Promise<number> {
    return (await this.stats()).counts[path] ?? 0
  }
}

/** `n` slot upstreams on 127.0.SUBNET.11, .12, … sharing one port, named a, b, c, … */
export async function slotUpstreams(
  subnet: number,
  n: number,
  shape: { slots: number; serviceMs: number },
  first = 11,
): Promise<SlotUpstream[]> {
  const port = await freePort(`127.0.${subnet}.${first}`)
  const upstreams = Array.from(
    { length: n },
    (_, i) =>
      new SlotUpstream({ name: 'abcdefgh'[i]!, address: `127.0.${subnet}.${first + i}`, port, ...shape }),
  )
  await Promise.all(upstreams.map((u) => u.start()))
  return upstreams
}

/** Requests per second the upstreams serve at most. */
export function capacity(upstreams: readonly SlotUpstream[]): number {
  return upstreams.reduce((sum, u) => sum + (u.options.slots * 1000) / u.options.serviceMs, 0)
}

export interface BusyPool {
  endpoints: readonly SlotUpstream[]
  /** Merged into the pool (`admission`, `ejection`). */
  extra?: Record<string, unknown>
}

/** The deployment: one instance `edge` (debug headers on), the given pools, routes all on `app.e2e.test`. */
export function busyDeployment(
  ports: { edge: number; admin: number; dir: string },
  pools: Record<string, BusyPool>,
  routes: readonly Record<string, unknown>[],
  edge: Record<string, unknown> = {},
  logLevel = 'info',
): object {
  return {
    instances: {
      edge: {
        edge: {
          listen: [`127.0.0.1:${ports.edge}`],
          debugHeaders: true,
          shutdownTimeoutMs: 2000,
          ...edge,
        },
        admin: { address: '127.0.0.1', port: ports.admin },
        stateDir: join(ports.dir, 'edge'),
      },
    },
    log: { level: logLevel },
    health: { firstRoundCapMs: 5000 },
    pools: Object.fromEntries(
      Object.entries(pools).map(([name, pool]) => [
        name,
        {
          check: fastHttpCheck,
          ejection: { consecutiveGatewayFailure: 3, baseEjectionTimeMs: 2000 },
          endpoints: pool.endpoints.map((u) => u.endpoint),
          ...pool.extra,
        },
      ]),
    ),
    edge: { routes: routes.map((route) => ({ host, ...route })) },
  }
}

export interface Shot {
  /** What the request is counted as (its class, or a path's role). */
  label: string
  path: string
}

export interface Outcome {
  label: string
  path: string
  /** Scheduled send time, ms from the start of the run. */
  at: number
  /** How late the generator sent it, ms. */
  lagMs: number
  /** 0 when the client got no response (its own timeout, a reset). */
  status: number
  ms: number
  /** `x-nines-cache`. */
  cache?: string
  /** `x-nines-error`. */
  error?: string
  endpoint?: string
  retryAfter?: string
  body: string
  /** Why the client got no response. */
  failure?: string
}

/** Fresh success: a 2xx from an upstream, not a stale copy and not a fallback. */
export function fresh(o: Outcome): boolean {
  return o.status >= 200 && o.status < 300 && o.error === undefined && !o.cache?.startsWith('stale')
}

/** Degraded on purpose: shed (503 NINES_ERR_SHED) or served a stale copy. */
export function shedOrStale(o: Outcome): boolean {
  return (
    (o.status === 503 && o.error === 'NINES_ERR_SHED') || (o.status === 200 && !!o.cache?.startsWith('stale'))
  )
}

/** A deterministic PRNG (mulberry32): the same seed gives the same class sequence. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Picks a class by weight (critical 20 %, normal 50 %, sheddable 30 % by default) and a path under it. */
export function classMix(
  weights: Record<string, number> = { critical: 0.2, normal: 0.5, sheddable: 0.3 },
  path: (label: string, i: number) => string = (label, i) => `/${label}/item-${i % 50}`,
): (i: number, random: () => number) => Shot {
  const entries = Object.entries(weights)
  return (i, random) => {
    let r = random()
    for (const [label, weight] of entries) {
      if ((r -= weight) < 0) return { label, path: path(label, i) }
    }
    const label = entries[entries.length - 1]![0]
    return { label, path: path(label, i) }
  }
}

export interface OpenLoadOptions {
  ratePerSec: number
  durationMs: number
  pick: (i: number, random: () => number) => Shot
  seed?: number
  /**
   * Client connections [rate × timeout]: enough that every request can be in flight at once, so none
   * waits in undici for a connection (undici opens them as they are needed).
   */
  connections?: number
  /** Every request ends by this time at the latest (headers and body). */
  timeoutMs?: number
}

export interface OpenLoad {
  /** Outcomes so far, in completion order. */
  readonly outcomes: Outcome[]
  /** Resolves once every request has been sent and has ended. */
  readonly done: Promise<LoadRun>
}

export interface LoadRun {
  outcomes: Outcome[]
  sent: number
  /** The generator's worst lateness, ms (timer granularity and a busy event loop). */
  maxLagMs: number
  /** The most requests undici ever held back for lack of a free connection (0: none was delayed). */
  maxQueued: number
}

/**
 * Open-loop load through the edge: request i is sent at `i / rate` from the start, whether earlier ones
 * have answered or not (a closed loop would slow down with the edge and hide its queueing). Every
 * request carries `Host: app.e2e.test` and is bounded by `timeoutMs`; the run stops by itself.
 */
export function openLoad(url: string, options: OpenLoadOptions): OpenLoad {
  const { ratePerSec, durationMs, pick, seed = 1, timeoutMs = 3000 } = options
  const connections = options.connections ?? Math.ceil((ratePerSec * timeoutMs) / 1000) + 8
  const pool = new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 4000 })
  const random = seeded(seed)
  const total = Math.round((ratePerSec * durationMs) / 1000)
  const intervalMs = 1000 / ratePerSec
  const outcomes: Outcome[] = []
  let maxLagMs = 0
  let maxQueued = 0
  const inFlight: Promise<void>[] = []

  const send = async (shot: Shot, at: number, lagMs: number): Promise<void> => {
    const started = performance.now()
    const base = { label: shot.label, path: shot.path, at, lagMs }
    try {
      const response = await pool.request({
        path: shot.path,
        method: 'GET',
        headers: { host },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      })
      const body = await response.body.text()
      const header = (name: string) => {
        const value = response.headers[name]
        return typeof value === 'string' ? value : undefined
      }
      outcomes.push({
        ...base,
        status: response.statusCode,
        ms: performance.now() - started,
        cache: header('x-nines-cache'),
        error: header('x-nines-error'),
        endpoint: header('x-nines-endpoint'),
        retryAfter: header('retry-after'),
        body,
      })
    } catch (error) {
      outcomes.push({ ...base, status: 0, ms: performance.now() - started, body: '', failure: String(error) })
    }
  }

  const done = new Promise<LoadRun>((resolve) => {
    const start = performance.now()
    let i = 0
    const tick = () => {
      const now = performance.now() - start
      while (i < total && i * intervalMs <= now) {
        const at = i * intervalMs
        maxLagMs = Math.max(maxLagMs, now - at)
        inFlight.push(send(pick(i, random), at, now - at))
        i++
      }
      maxQueued = Math.max(maxQueued, pool.stats.queued)
      if (i < total) {
        setTimeout(tick, Math.min(5, Math.max(1, i * intervalMs - now)))
        return
      }
      void Promise.all(inFlight)
        .then(() => pool.destroy())
        .then(() => resolve({ outcomes, sent: total, maxLagMs, maxQueued }))
    }
    tick()
  })
  return { outcomes, done }
}

/** The generator's own lateness above which a run is not the load it claims (a machine too busy). */
export const maxGeneratorLagMs = 400

/**
 * Why a run does not count, or undefined: the generator fell behind its schedule, or undici held
 * requests back for a connection. Asserted before what the edge did, so a machine too busy to generate
 * the load fails as that, not as the edge's fault.
 */
export function invalidRun(run: LoadRun): string | undefined {
  if (run.maxQueued > 0) return `undici held back up to ${run.maxQueued} requests for a connection`
  if (run.maxLagMs > maxGeneratorLagMs)
    return `the generator sent requests up to ${Math.round(run.maxLagMs)} ms late (machine too busy)`
  return undefined
}

export interface Summary {
  n: number
  fresh: number
  /** Share of fresh successes. */
  success: number
  shed: number
  stale: number
  fallback: number
  /** Other answers: status → count (0 = no response). */
  other: Record<number, number>
  p50: number
  p99: number
  max: number
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

/** Counts a label's outcomes (`fallbackBody`: a body that marks the route's fallback). */
export function summarize(outcomes: readonly Outcome[], label: string, fallbackBody?: string): Summary {
  const mine = outcomes.filter((o) => o.label === label)
  const summary: Summary = {
    n: mine.length,
    fresh: 0,
    success: 0,
    shed: 0,
    stale: 0,
    fallback: 0,
    other: {},
    p50: percentile(
      mine.map((o) => o.ms),
      50,
    ),
    p99: percentile(
      mine.map((o) => o.ms),
      99,
    ),
    max: Math.max(...mine.map((o) => o.ms)),
  }
  for (const o of mine) {
    if (o.status === 200 && o.cache?.startsWith('stale')) summary.stale++
    else if (fallbackBody !== undefined && o.body === fallbackBody) summary.fallback++
    else if (o.status === 503 && o.error === 'NINES_ERR_SHED') summary.shed++
    else if (fresh(o)) summary.fresh++
    else summary.other[o.status] = (summary.other[o.status] ?? 0) + 1
  }
  summary.success = mine.length === 0 ? 0 : summary.fresh / mine.length
  return summary
}

/** The first few outcomes that match, for a failure message. */
export function examples(outcomes: readonly Outcome[], match: (o: Outcome) => boolean, n = 5): unknown[] {
  return outcomes
    .filter(match)
    .slice(0, n)
    .map((o) => ({ ...o, body: o.body.slice(0, 120) }))
}

/** One GET through the edge with `Host: app.e2e.test`, bounded by `timeoutMs`. */
export async function get(
  url: string,
  path: string,
  options: { timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const { timeoutMs = 5000 } = options
  const started = performance.now()
  const response = await request(`${url}${path}`, {
    headers: { host, ...options.headers },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    signal: AbortSignal.timeout(timeoutMs),
  })
  const body = await response.body.text()
  const header = (name: string) => {
    const value = response.headers[name]
    return typeof value === 'string' ? value : undefined
  }
  return { status: response.statusCode, header, body, ms: performance.now() - started }
}

export interface Answer {
  status: number
  /** One response header (undefined when absent). */
  header: (name: string) => string | undefined
  body: string
  ms: number
}

/** Waits until each of `names` has served `path` through the edge (`x-nines-endpoint`). */
export async function servesAll(url: string, path: string, names: readonly string[]): Promise<void> {
  const seen = new Set<string>()
  await waitFor(
    async () => {
      const answer = await get(url, path).catch(() => undefined)
      const endpoint = answer?.header('x-nines-endpoint')
      if (answer?.status === 200 && endpoint) seen.add(endpoint)
      return names.every((n) => seen.has(n))
    },
    20_000,
    20,
  )
}

/** Whether the edge's `/metrics` has any sample of `name`. */
export async function exported(edge: RunningEdge, name: string): Promise<boolean> {
  const response = await fetch(`${edge.adminUrl}/metrics`, { signal: AbortSignal.timeout(5000) })
  const text = await response.text()
  return text.split('\n').some((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
