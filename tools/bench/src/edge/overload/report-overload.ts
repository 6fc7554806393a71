// Turns the overload run into the `edge-overload` section of docs/benchmarks.md: one table per load step
// (case × class), the proxies' memory and the upstreams' view per step, and the targets for nines at 3×.
import { table } from '../../lib/report.js'
import type { LoadResult } from './class-load.js'
import type { RequestClass } from './class-mix.js'
import { successShare, type ClassSummary } from './summary.js'

export interface OverloadStep {
  /** offered load ÷ capacity */
  readonly factor: number
  readonly rate: number
  readonly load: LoadResult
  /** best rate the upstreams kept over ≥ 2 s of the step (their real capacity when overloaded) */
  readonly upstreamServedPerS: number
  readonly upstreamMaxQueued: number
  /** queued requests whose client had gone when their turn came */
  readonly upstreamAbandoned: number
  readonly rssPeakMb: number
  /** the proxy process tree's CPU over the step (warm-up included), % of one core */
  readonly proxyCpuPct: number
  /** CPU other sessions' processes used over the step, % of one core */
  readonly othersPct: number
  /**
   * System-wide: connections the kernel dropped from a full listen queue, and SYNs it sent again (each
   * costs the client 1 s, then 3 s…), during the step. Every process on the machine counts.
   */
  readonly listenOverflows: number
  readonly synRetrans: number
  /** endpoints nines-edge ejected during the step (passive health); NaN for HAProxy */
  readonly ejections: number
}

export interface OverloadCaseResult {
  readonly name: string
  readonly label: string
  readonly rssStartMb: number
  readonly steps: readonly OverloadStep[]
}

export interface OverloadResult {
  readonly command: string
  readonly date: string
  readonly serverCpu: string
  readonly clientCpu: string
  readonly shape: {
    readonly endpoints: number
    readonly slots: number
    readonly serviceMs: number
    readonly deadlineMs: number
    readonly capacity: number
    readonly graceMs: number
  }
  readonly seconds: number
  readonly warmupSeconds: number
  readonly cases: readonly OverloadCaseResult[]
  readonly skipped: readonly { readonly name: string; readonly label: string; readonly reason: string }[]
  readonly notes: readonly string[]
  readonly machine: readonly string[]
  readonly versions: Readonly<Record<string, string>>
}

export const overloadTargets = {
  factor: 3,
  minCriticalSuccess: 0.999,
  maxCriticalP99VsUnloaded: 2,
  /** "the router's own memory stays bounded", read as: its peak RSS at 3× at most this × its peak at 1× */
  maxRssGrowth: 1.25,
} as const

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '–')
const count = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–')
const pct = (part: number, whole: number, digits = 1) => (whole ? fixed((part / whole) * 100, digits) : '–')

const stepOf = (c: OverloadCaseResult | undefined, factor: number) =>
  c?.steps.find((s) => s.factor === factor)
const classOf = (step: OverloadStep | undefined, cls: RequestClass): ClassSummary | undefined =>
  step?.load.classes.find((c) => c.cls === cls)

/** The lowest factor measured: the unloaded baseline. */
const unloadedFactor = (result: OverloadResult) =>
  Math.min(...result.cases.flatMap((c) => c.steps.map((s) => s.factor)))

/** Error details and sheds without Retry-After, most frequent first: `503 ×1,234; ECONNRESET ×2`. */
export function detailText(summary: ClassSummary): string {
  return Object.entries(summary.details)
    .sort((a, b) => b[1] - a[1])
    .map(([detail, n]) => `${detail} ×${count(n)}`)
    .join('; ')
}

function stepTable(result: OverloadResult, factor: number): string {
  const rows: (string | number)[][] = []
  for (const c of result.cases) {
    const step = stepOf(c, factor)
    if (!step) continue
    for (const s of step.load.classes) {
      rows.push([
        c.name,
        s.cls,
        count(step.rate * (s.requests / Math.max(1, step.load.scheduled))),
        `**${pct(s.ok + s.stale, s.requests, 2)}**`,
        pct(s.stale, s.requests),
        pct(s.shed, s.requests),
        pct(s.errors + s.unsent, s.requests),
        fixed(s.p50Ms, 1),
        `**${fixed(s.p99Ms, 1)}**`,
        fixed(s.maxMs, 0),
        count(s.overDeadline),
        detailText(s) || '–',
      ])
    }
  }
  return table(
    [
      'case',
      'class',
      'offered req/s',
      'success %',
      'stale %',
      'shed %',
      'errors %',
      'p50 ms',
      'p99 ms',
      'max ms',
      `over deadline`,
      'errors by kind',
    ],
    rows,
  )
}

function runTable(result: OverloadResult): string {
  const rows: (string | number)[][] = []
  for (const c of result.cases) {
    for (const step of c.steps) {
      rows.push([
        c.name,
        `${step.factor}×`,
        count(step.rate),
        fixed(c.rssStartMb, 0),
        `**${fixed(step.rssPeakMb, 0)}**`,
        count(step.upstreamServedPerS),
        count(step.upstreamMaxQueued),
        count(step.upstreamAbandoned),
        fixed(step.proxyCpuPct, 0),
        count(step.ejections),
        count(step.load.maxInFlight),
        fixed(step.load.sendLagP99Ms, 1),
        `${count(step.listenOverflows)} / ${count(step.synRetrans)}`,
        fixed(step.othersPct, 0),
      ])
    }
  }
  return table(
    [
      'case',
      'step',
      'offered req/s',
      'proxy RSS at start MB',
      'proxy RSS peak MB',
      'upstream served/s (best 2 s)',
      'upstream max queue',
      'upstream skipped (client gone)',
      'proxy CPU %',
      'ejections',
      'generator max in flight',
      'generator send lag p99 ms',
      'listen overflows / SYN retransmits (machine)',
      'others %',
    ],
    rows,
  )
}

export type Verdict = 'PASS' | 'FAIL' | 'not measured'

export interface OverloadTargetRow {
  readonly target: string
  /** the value per case, by case name */
  readonly values: Readonly<Record<string, string>>
  /** for nines */
  readonly verdict: Verdict
}

/** Each target's value for every case, and the verdict for nines. */
export function overloadTargetRows(result: OverloadResult): OverloadTargetRow[] {
  const t = overloadTargets
  const base = unloadedFactor(result)
  const measure = (c: OverloadCaseResult) => {
    const loaded = classOf(stepOf(c, t.factor), 'critical')
    const unloaded = classOf(stepOf(c, base), 'critical')
    const over = c.steps.reduce((sum, s) => sum + s.load.classes.reduce((n, k) => n + k.overDeadline, 0), 0)
    const rss1 = stepOf(c, 1)?.rssPeakMb ?? Number.NaN
    const rss3 = stepOf(c, t.factor)?.rssPeakMb ?? Number.NaN
    return {
      success: loaded ? successShare(loaded) : Number.NaN,
      p99Ratio: loaded && unloaded ? loaded.p99Ms / unloaded.p99Ms : Number.NaN,
      p99: loaded?.p99Ms ?? Number.NaN,
      unloadedP99: unloaded?.p99Ms ?? Number.NaN,
      over: c.steps.length ? over : Number.NaN,
      rssGrowth: rss3 / rss1,
      rss1,
      rss3,
    }
  }
  const byCase = new Map(result.cases.map((c) => [c.name, measure(c)]))
  const nines = byCase.get('nines')
  const judge = (value: number | undefined, ok: (v: number) => boolean): Verdict =>
    value !== undefined && Number.isFinite(value) ? (ok(value) ? 'PASS' : 'FAIL') : 'not measured'
  const values = (text: (m: ReturnType<typeof measure>) => string) =>
    Object.fromEntries([...byCase].map(([name, m]) => [name, text(m)]))
  return [
    {
      target: `critical success ≥ ${t.minCriticalSuccess * 100} % at ${t.factor}×`,
      values: values((m) => `${fixed(m.success * 100, 2)} %`),
      verdict: judge(nines?.success, (v) => v >= t.minCriticalSuccess),
    },
    {
      target: `critical p99 at ${t.factor}× ≤ ${t.maxCriticalP99VsUnloaded}× its unloaded p99 (${base}×)`,
      values: values((m) => `${fixed(m.p99, 1)} / ${fixed(m.unloadedP99, 1)} ms = ${fixed(m.p99Ratio, 2)}×`),
      verdict: judge(nines?.p99Ratio, (v) => v <= t.maxCriticalP99VsUnloaded),
    },
    {
      target: `no request answered later than the deadline (${result.shape.deadlineMs} ms + ${result.shape.graceMs} ms), any step`,
      values: values((m) => count(m.over)),
      verdict: judge(nines?.over, (v) => v === 0),
    },
    {
      target: `proxy memory bounded: peak RSS at ${t.factor}× ≤ ${t.maxRssGrowth}× peak at 1×`,
      values: values((m) => `${fixed(m.rss3, 0)} / ${fixed(m.rss1, 0)} MB = ${fixed(m.rssGrowth, 2)}×`),
      verdict: judge(nines?.rssGrowth, (v) => v <= t.maxRssGrowth),
    },
  ]
}

export function renderOverloadSection(result: OverloadResult, commands: readonly string[]): string {
  const { shape } = result
  const versions = Object.entries(result.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ')
  const factors = [...new Set(result.cases.flatMap((c) => c.steps.map((s) => s.factor)))].sort(
    (a, b) => a - b,
  )
  const base = factors.length ? unloadedFactor(result) : Number.NaN
  const parts = [
    '## Edge router under overload: admission and shedding vs a plain proxy and HAProxy',
    '',
    `\`${result.command}\` (${result.date}). Machine: ${result.machine.join(', ')}. Versions: ${versions}.`,
    '',
    `**Upstreams of known capacity**: one Node process (CPU ${result.clientCpu}) with ${shape.endpoints} endpoints × ` +
      `${shape.slots} slots × ${shape.serviceMs} ms of fixed service time (a timer, no CPU), so capacity is ` +
      `**${count(shape.capacity)} req/s** whatever this machine's CPU does. Requests beyond the slots wait in the ` +
      "endpoint's FIFO (its latency grows under overload); one whose client has gone is skipped when its turn " +
      'comes. `/sheddable/…` answers have no cache headers, the others say `Cache-Control: no-store`.',
    '',
    `**Load**: open loop from a Node generator (undici, CPU ${result.clientCpu}, up to 4,000 requests in flight, one per ` +
      'connection; a request that finds none free is counted as an error, `not sent`), 20 % `/critical/…`, 50 % ' +
      '`/normal/…`, 30 % `/sheddable/…` (8 paths each, Host `app.bench.test`, a seeded Rng: every case gets the ' +
      `same sequence). Each step: ${result.warmupSeconds} s warm-up at its rate (not measured), then ` +
      `${result.seconds} s measured; ${base}× is the unloaded baseline. Latency runs from each request's scheduled ` +
      `send time, over every request (successes, sheds and errors). The deadline is ${shape.deadlineMs} ms (route ` +
      "`timeouts.overallMs`; HAProxy's `timeout queue` and `timeout server`); **over deadline** counts answers " +
      `later than ${shape.deadlineMs + shape.graceMs} ms (${shape.graceMs} ms for timers). **Success** = 2xx, ` +
      'stale copies (`x-nines-cache: stale; …`) included and also shown on their own; **shed** = 503 with ' +
      '`x-nines-error: NINES_ERR_SHED`; every other answer is an error. The proxy runs alone on CPU ' +
      `${result.serverCpu}.`,
    '',
    'Cases (run one after another on the same upstreams):',
    '',
    ...result.cases.map((c) => `- \`${c.name}\`: ${c.label}`),
    '',
    'Commands (ports chosen at start; configs generated into a temp dir):',
    '',
    ...commands.map((c) => `- \`${c}\``),
  ]
  for (const factor of factors) {
    const title =
      factor === base
        ? `${factor}× capacity (unloaded baseline)`
        : `${factor}× capacity (${count(shape.capacity * factor)} req/s)`
    parts.push('', `### ${title}`, '', stepTable(result, factor))
  }
  if (result.cases.length) {
    parts.push('', '### Proxy memory and the upstreams, per step', '', runTable(result))
  }
  const rows = overloadTargetRows(result)
  const names = result.cases.map((c) => c.name)
  parts.push(
    '',
    `### Targets (nines at ${overloadTargets.factor}×; the other cases for comparison)`,
    '',
    table(
      ['target', ...names, 'verdict (nines)'],
      rows.map((r) => [r.target, ...names.map((n) => r.values[n] ?? '–'), r.verdict]),
    ),
  )
  const notes = [...result.skipped.map((s) => `${s.name} (${s.label}): ${s.reason}`), ...result.notes]
  const others = result.cases.flatMap((c) => c.steps.map((s) => s.othersPct))
  const lags = result.cases.flatMap((c) => c.steps.map((s) => s.load.sendLagP99Ms))
  const overflows = result.cases.flatMap((c) => c.steps.map((s) => s.listenOverflows))
  if (overflows.some((n) => n > 0)) {
    notes.push(
      'the kernel dropped connections from full listen queues during some steps (column "listen overflows"): ' +
        'a client whose SYN is dropped waits 1 s (then 3 s, 7 s) before it connects, so multi-second latencies ' +
        "in those steps are at least partly connection set-up, not the proxy's queue. The generator opens a " +
        'connection per request in flight, so a proxy that holds many requests makes it open thousands at once.',
    )
  }
  if (others.length && (Math.max(...others) >= 10 || Math.max(...lags) >= 20)) {
    notes.push(
      `other processes on this shared machine used up to ${fixed(Math.max(...others), 0)} % of a core during a ` +
        `step and the generator's send lag reached ${fixed(Math.max(...lags), 0)} ms (p99): latencies here are ` +
        "partly the machine's; the success, shed and stale shares and the upstream figures are the steadier part.",
    )
  }
  if (notes.length) parts.push('', 'Notes:', '', ...notes.map((note) => `- ${note.replace(/\s+/g, ' ')}`))
  return parts.join('\n')
}
