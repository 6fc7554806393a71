// What the whole-stack operations and busy-hour scenarios share: one router asked directly (its own
// address, not through DNS), readers of the daemons' admin APIs, dig against one nameserver, the
// one-command override, and the top-up books of every endpoint process, kept across kills.
import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { promisify } from 'node:util'
import type { Outcome, StackProcess, WholeStack } from '@nines/chaos'
import { request } from 'undici'
import { edgeMain } from './harness.js'

const run = promisify(execFile)

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Turns on the routers' debug headers (`x-nines-endpoint`, `x-nines-cache: hit`) in a stack's config. */
export function debugHeaders(config: {
  instances: Record<string, { edge?: { debugHeaders?: boolean } }>
}): void {
  for (const instance of Object.values(config.instances)) if (instance.edge) instance.edge.debugHeaders = true
}

/** The six API stacks of the file (pool `app`), in file order. */
export const apiStacks = ['a1', 'b1', 'c1', 'a2', 'b2', 'c2'] as const

export interface EdgeAnswer {
  status: number
  header: (name: string) => string | undefined
  body: string
  ms: number
}

/** One request to one router (`edge1`, `edge2`) on its own address, with the stack's Host; bounded. */
export async function atEdge(
  stack: WholeStack,
  edge: string,
  path: string,
  init: { method?: 'GET' | 'POST'; body?: string; timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<EdgeAnswer> {
  const { address, port } = stack.process(edge)
  const timeoutMs = init.timeoutMs ?? 10_000
  const started = performance.now()
  const response = await request(`http://${address}:${port}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      host: stack.host,
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    body: init.body,
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

export async function adminJson<T = unknown>(stack: WholeStack, instance: string, path: string): Promise<T> {
  const response = await fetch(`${stack.adminUrl(instance)}${path}`, { signal: AbortSignal.timeout(5000) })
  if (response.status !== 200) throw new Error(`${instance} ${path}: ${response.status}`)
  return (await response.json()) as T
}

/** Sums a Prometheus metric's samples on one daemon whose labels include every given label. */
export async function metricAt(
  stack: WholeStack,
  instance: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const response = await fetch(`${stack.adminUrl(instance)}/metrics`, { signal: AbortSignal.timeout(5000) })
  let sum = 0
  for (const line of (await response.text()).split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    const labelText = /\{(.*)\}/.exec(line)?.[1] ?? ''
    if (Object.entries(labels).some(([k, v]) => !labelText.includes(`${k}="${v}"`))) continue
    sum += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return sum
}

/** Answer data of `name TYPE` from one nameserver (`127.0.0.2:P`), sorted, and the status; bounded. */
export async function digAt(
  server: string,
  name: string,
  type = 'A',
): Promise<{ status: string; data: string[]; ttls: number[] }> {
  const colon = server.lastIndexOf(':')
  const args = [`@${server.slice(0, colon)}`, '-p', server.slice(colon + 1), '+tries=1', '+time=2']
  const { stdout } = await run('dig', [...args, name, type])
  const status = /status: ([A-Z]+)/.exec(stdout)?.[1] ?? 'NONE'
  const start = stdout.indexOf(';; ANSWER SECTION:')
  const lines = start < 0 ? [] : stdout.slice(start).split('\n').slice(1)
  const end = lines.findIndex((line) => line.trim() === '')
  const records = lines
    .slice(0, end < 0 ? undefined : end)
    .map((line) => line.split(/\s+/))
    .filter((fields) => fields[3] === type)
  return {
    status,
    data: records.map((f) => f.slice(4).join(' ').replace(/^"|"$/g, '')).sort(),
    ttls: records.map((f) => Number(f[1])),
  }
}

/** `nines-edge override POOL/ENDPOINT ACTION --config F`: every instance of the file at once. */
export async function override(
  stack: WholeStack,
  target: string,
  action: 'drain' | 'up' | 'down' | 'clear',
): Promise<string> {
  const args = [edgeMain, 'override', target, action, '--config', stack.configFile]
  if (action !== 'clear') args.push('--reason', 'maintenance')
  // Idempotent, and exit 1 when an instance did not answer in 5 s (a busy shared machine): run it again,
  // as docs/operations.md says, a few times.
  for (let attempt = 1; ; attempt++) {
    try {
      const { stdout } = await run(process.execPath, args, { timeout: 20_000 })
      return stdout
    } catch (error) {
      const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string }
      console.log(`[ops] override ${target} ${action}, attempt ${attempt} failed:\n${stdout}${stderr}`)
      if (attempt === 3) throw error
    }
  }
}

/** Requests one router counted for an endpoint (`nines_edge_requests_total{endpoint}`), every route. */
export function servedBy(stack: WholeStack, edge: string, endpoint: string): Promise<number> {
  return metricAt(stack, edge, 'nines_edge_requests_total', { endpoint })
}

/** Requests to a router's pool `app` of one endpoint in flight and its serving state, from `/status`. */
export async function edgeView(
  stack: WholeStack,
  edge: string,
  endpoint: string,
  pool = 'app',
): Promise<{ serving: string; inFlight: number }> {
  const status = await adminJson<{
    pools: { pool: string; endpoints: { id: string; serving: string; inFlight: number }[] }[]
  }>(stack, edge, '/status')
  const found = status.pools.find((p) => p.pool === pool)?.endpoints.find((e) => e.id === endpoint)
  if (!found) throw new Error(`${edge}: no endpoint ${endpoint} in pool ${pool}`)
  return found
}

/** One endpoint process's books: top-ups applied per request id (`GET /__nines/topups`). */
export interface Books {
  endpoint: string
  byRequest: Record<string, number>
}

async function readBooks(p: StackProcess): Promise<Books> {
  const response = await fetch(`http://${p.address}:${p.port}/__nines/topups`, {
    signal: AbortSignal.timeout(3000),
  })
  const body = (await response.json()) as { byRequest: Record<string, number> }
  return { endpoint: p.name, byRequest: body.byRequest }
}

/**
 * The books of every API endpoint process over a whole file. A process keeps its books in memory, so
 * they die with it: `kill` first makes its top-ups hang before they are applied (route-scoped
 * `mode hang`; the ones in flight stay in flight), reads the books, which can no longer change, then
 * kills. The books of the whole run are those closed so and the live ones read at the end.
 */
export class TopupLedger {
  readonly closed: Books[] = []
  /** When each closed book was read (epoch ms), by endpoint, for a failure message. */
  readonly closedAt: { endpoint: string; at: number }[] = []
  constructor(readonly stack: WholeStack) {}

  /** SIGKILL `names` with their books kept; top-ups in flight to them are cut, not applied. */
  async kill(names: readonly string[]): Promise<void> {
    const processes = names.map((n) => this.stack.process(n))
    await Promise.all(processes.map((p) => p.mode('hang', { route: '/api/topup' })))
    // A top-up past the gate before the switch is applied at once, unless the machine stalls: read until
    // two reads 300 ms apart agree (at most 5 s).
    let books = await Promise.all(processes.map(readBooks))
    for (let i = 0; i < 16; i++) {
      await sleep(300)
      const again = await Promise.all(processes.map(readBooks))
      const same = JSON.stringify(again) === JSON.stringify(books)
      books = again
      if (same) break
    }
    this.closed.push(...books)
    for (const book of books) this.closedAt.push({ endpoint: book.endpoint, at: Date.now() })
    await Promise.all(processes.map((p) => p.kill()))
  }

  /** Every book of the run: the closed ones and those of the API endpoints running now. */
  async all(): Promise<Books[]> {
    const live = apiStacks.map((n) => this.stack.process(n)).filter((p) => p.running)
    return [...this.closed, ...(await Promise.all(live.map(readBooks)))]
  }
}

export interface TopupAudit {
  /** Request ids applied more than once, in one book or in several. */
  duplicates: string[]
  /** Request ids a client saw succeed that no book counts. */
  missing: string[]
  /** Request ids a client saw fail that a book counts anyway (allowed: the answer was lost after it). */
  appliedAfterFailure: string[]
  applied: number
}

/** Checks the books against what the clients saw: every success counted exactly once, none twice. */
export function auditTopups(
  books: readonly Books[],
  seen: { succeeded: Iterable<string>; failed?: Iterable<string> },
): TopupAudit {
  const counts = new Map<string, number>()
  for (const book of books)
    for (const [id, n] of Object.entries(book.byRequest)) counts.set(id, (counts.get(id) ?? 0) + n)
  const duplicates = [...counts].filter(([, n]) => n > 1).map(([id]) => id)
  const missing = [...seen.succeeded].filter((id) => !counts.has(id))
  const appliedAfterFailure = [...(seen.failed ?? [])].filter((id) => counts.has(id))
  return { duplicates, missing, appliedAfterFailure, applied: counts.size }
}

export interface SentTopup {
  requestId: string
  edge: string
  at: number
  status?: number
  code?: string
  endpoint?: string
  error?: string
}

/**
 * Top-ups with request ids of our own, open loop, straight to one router: what each got is known by id,
 * so the audit can match successes to books (the traffic's clients do not say their ids).
 */
export function startTopups(
  stack: WholeStack,
  options: { edge?: string; ratePerSec: number },
): { sent: SentTopup[]; stop(): Promise<SentTopup[]> } {
  const edge = options.edge ?? 'edge1'
  const sent: SentTopup[] = []
  const inFlight = new Set<Promise<void>>()
  const send = async () => {
    const record: SentTopup = { requestId: `ops-${randomUUID()}`, edge, at: Date.now() }
    sent.push(record)
    try {
      const body = JSON.stringify({ account: 'ops', amountCents: 100, requestId: record.requestId })
      const answer = await atEdge(stack, edge, '/api/topup', { method: 'POST', body, timeoutMs: 20_000 })
      record.status = answer.status
      record.code = answer.header('x-nines-error')
      record.endpoint = answer.status === 201 ? (JSON.parse(answer.body) as { name: string }).name : undefined
    } catch (error) {
      record.error = String(error)
    }
  }
  const timer = setInterval(() => {
    const p = send().finally(() => inFlight.delete(p))
    inFlight.add(p)
  }, 1000 / options.ratePerSec)
  return {
    sent,
    async stop() {
      clearInterval(timer)
      await Promise.all(inFlight)
      return sent
    },
  }
}

/** Counts of outcomes by result, and the first few that failed, for a message. */
export function tally(outcomes: readonly Outcome[]): {
  requests: number
  ok: number
  stale: number
  shed: number
  failed: number
  examples: unknown[]
} {
  const count = (r: Outcome['result']) => outcomes.filter((o) => o.result === r).length
  return {
    requests: outcomes.length,
    ok: count('ok'),
    stale: count('stale'),
    shed: count('shed'),
    failed: count('failed'),
    examples: outcomes.filter((o) => o.result === 'failed').slice(0, 5),
  }
}
