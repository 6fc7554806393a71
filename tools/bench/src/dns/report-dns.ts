// Turns the DNS bench's samples into the `dns` section of docs/benchmarks.md: a table per query shape,
// ratios to the bare Node server and PowerDNS LUA, and the targets marked met / NOT met.
import { median } from '../lib/proc.js'
import type { DnsperfReport } from './dnsperf.js'
import { table } from '../lib/report.js'
import type { Shape } from './dnsperf.js'

export interface Sample {
  readonly qps: number
  readonly completed: number
  readonly lost: number
  /** completed answers whose rcode was not NOERROR */
  readonly rcodeErrors: number
  readonly avgLatencyMs: number
  readonly responseBytes: number
  readonly serverCpuUsPerQuery: number
  /** server process tree CPU over the run, % of one core */
  readonly serverCpuPct: number
  readonly clientCpuPct: number
  /** CPU used by processes that are not ours during the run, % of one core */
  readonly foreignCpuPct: number
}

/** One dnsperf run as a sample: the server's CPU (ms) over it, the client's, the wall time and others' share. */
export function dnsperfSample(
  report: DnsperfReport,
  run: { serverCpuMs: number; clientCpuMs: number; wallMs: number; foreignCpuPct: number },
): Sample {
  return {
    qps: report.qps,
    completed: report.completed,
    lost: report.lost,
    rcodeErrors: report.completed - report.noerror,
    avgLatencyMs: report.avgLatencyMs,
    responseBytes: report.responseBytes,
    serverCpuUsPerQuery: report.completed ? (run.serverCpuMs * 1000) / report.completed : Number.NaN,
    serverCpuPct: (run.serverCpuMs / (report.runSec * 1000)) * 100,
    clientCpuPct: (run.clientCpuMs / run.wallMs) * 100,
    foreignCpuPct: run.foreignCpuPct,
  }
}

export interface Summary {
  readonly qps: number
  readonly qpsRuns: readonly number[]
  readonly serverCpuUsPerQuery: number
  readonly serverCpuPct: number
  readonly clientCpuPct: number
  readonly avgLatencyMs: number
  readonly responseBytes: number
  readonly lost: number
  readonly rcodeErrors: number
}

export function summarize(samples: readonly Sample[]): Summary {
  const med = (pick: (sample: Sample) => number) => median(samples.map(pick))
  return {
    qps: med((s) => s.qps),
    qpsRuns: samples.map((s) => s.qps),
    serverCpuUsPerQuery: med((s) => s.serverCpuUsPerQuery),
    serverCpuPct: med((s) => s.serverCpuPct),
    clientCpuPct: med((s) => s.clientCpuPct),
    avgLatencyMs: med((s) => s.avgLatencyMs),
    responseBytes: med((s) => s.responseBytes),
    lost: samples.reduce((sum, s) => sum + s.lost, 0),
    rcodeErrors: samples.reduce((sum, s) => sum + s.rcodeErrors, 0),
  }
}

export interface LossCheck {
  readonly shape: Shape
  readonly caseName: string
  readonly rateQps: number
  readonly sample: Sample
}

export interface DnsBenchResult {
  readonly command: string
  readonly date: string
  readonly seconds: number
  readonly rounds: number
  readonly serverCpu: string
  readonly clientCpu: string
  readonly shapes: readonly Shape[]
  /** the cases that ran, in the order given */
  readonly cases: readonly { readonly name: string; readonly label: string }[]
  readonly skipped: readonly { readonly name: string; readonly reason: string }[]
  readonly samples: Readonly<Record<string, Readonly<Record<string, readonly Sample[]>>>>
  readonly loss: readonly LossCheck[]
  readonly versions: Readonly<Record<string, string>>
  readonly notes: readonly string[]
}

/** Reference cases for ratios and targets. */
export const ninesName = 'nines'
export const ceilingName = 'dgram'
export const pdnsName = 'pdns-lua'

/** The targets for one process on one core. */
export const targets = {
  maxCpuPerQueryVsCeiling: 1.25,
  minQpsVsCeiling: 0.8,
  minQpsVsPdnsLua: 40,
  lossAtHalfRate: 0,
} as const

export type Verdict = 'met' | 'NOT met' | 'not measured'

export interface TargetRow {
  readonly target: string
  readonly value: string
  readonly verdict: Verdict
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '–')
const count = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–')
const ratio = (a: Summary | undefined, b: Summary | undefined, pick: (s: Summary) => number) =>
  a && b ? pick(a) / pick(b) : Number.NaN

export function shapeSummaries(result: DnsBenchResult, shape: Shape): Map<string, Summary> {
  const summaries = new Map<string, Summary>()
  for (const { name } of result.cases) {
    const samples = result.samples[shape]?.[name] ?? []
    if (samples.length) summaries.set(name, summarize(samples))
  }
  return summaries
}

export function targetRows(
  summaries: ReadonlyMap<string, Summary>,
  loss: LossCheck | undefined,
): TargetRow[] {
  const nines = summaries.get(ninesName)
  const ceiling = summaries.get(ceilingName)
  const pdns = summaries.get(pdnsName)
  const judge = (value: number, ok: (v: number) => boolean): Verdict =>
    Number.isFinite(value) ? (ok(value) ? 'met' : 'NOT met') : 'not measured'
  const cpu = ratio(nines, ceiling, (s) => s.serverCpuUsPerQuery)
  const qps = ratio(nines, ceiling, (s) => s.qps)
  const vsPdns = ratio(nines, pdns, (s) => s.qps)
  const lost = loss && loss.caseName === ninesName ? loss.sample.lost : Number.NaN
  return [
    {
      target: `CPU µs/query ≤ ${targets.maxCpuPerQueryVsCeiling}× the bare Node server`,
      value: `${fixed(cpu, 2)}×`,
      verdict: judge(cpu, (v) => v <= targets.maxCpuPerQueryVsCeiling),
    },
    {
      target: `q/s ≥ ${targets.minQpsVsCeiling}× the bare Node server`,
      value: `${fixed(qps, 2)}×`,
      verdict: judge(qps, (v) => v >= targets.minQpsVsCeiling),
    },
    {
      target: `q/s ≥ ${targets.minQpsVsPdnsLua}× PowerDNS LUA`,
      value: `${fixed(vsPdns, 1)}×`,
      verdict: judge(vsPdns, (v) => v >= targets.minQpsVsPdnsLua),
    },
    {
      target: 'no query lost at 50 % of its median q/s',
      value: Number.isFinite(lost) ? `${count(lost)} lost of ${count(loss!.sample.completed + lost)}` : '–',
      verdict: judge(lost, (v) => v <= targets.lossAtHalfRate),
    },
  ]
}

function shapeTable(result: DnsBenchResult, summaries: ReadonlyMap<string, Summary>): string {
  const ceiling = summaries.get(ceilingName)
  const pdns = summaries.get(pdnsName)
  const rows = result.cases.flatMap(({ name, label }) => {
    const s = summaries.get(name)
    if (!s) return []
    return [
      [
        label,
        `**${count(s.qps)}**`,
        s.qpsRuns.map(count).join(' / '),
        `**${fixed(s.serverCpuUsPerQuery, 1)}**`,
        fixed(s.serverCpuPct, 0),
        fixed(s.clientCpuPct, 0),
        fixed(s.avgLatencyMs, 2),
        fixed(s.responseBytes, 0),
        count(s.lost),
        fixed(
          ratio(s, ceiling, (x) => x.qps),
          2,
        ),
        fixed(
          ratio(s, ceiling, (x) => x.serverCpuUsPerQuery),
          2,
        ),
        fixed(
          ratio(s, pdns, (x) => x.qps),
          1,
        ),
      ],
    ]
  })
  return table(
    [
      'server',
      'q/s (median)',
      'q/s per run',
      'server CPU µs/query',
      'server CPU %',
      'dnsperf CPU %',
      'avg latency ms',
      'answer bytes',
      'lost',
      '÷ dgram q/s',
      '÷ dgram CPU/query',
      '÷ PowerDNS LUA q/s',
    ],
    rows,
  )
}

const shapeTitle: Record<Shape, string> = {
  plain: 'plain: no EDNS',
  ecs: 'ecs: EDNS0 with a client-subnet option (192.0.2.0/24)',
}

export function renderDnsSection(result: DnsBenchResult): string {
  const versions = Object.entries(result.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ')
  const parts = [
    "## Authoritative DNS: nines-dns vs Node's ceiling, PowerDNS LUA, gdnsd, NSD",
    '',
    `\`${result.command}\` (${result.date}).`,
    'Every server answers `svc.example.test A` with the same 3 A records (82 bytes without EDNS); the',
    'health-aware ones (nines-dns, PowerDNS, gdnsd) probe three TCP listeners on 127.0.0.11-13:8080, all up.',
    `Each server runs single-threaded, pinned to CPU ${result.serverCpu}; \`dnsperf -c 10\` (100 queries`,
    `outstanding, unbounded rate) runs on CPU ${result.clientCpu} for ${result.seconds} s per run. Each of the ${result.rounds}`,
    'round(s) runs every server once per query shape, in an order that rotates between rounds; the tables',
    'give medians over the rounds. dnsperf saturates its core before the C servers do, so their q/s are lower',
    "bounds; **server CPU µs/query** (the server process tree's CPU time from /proc over the run ÷ answers",
    "received) is the fair figure. Answer bytes is dnsperf's average response size. Each ratio divides this",
    "row's median by the reference row's.",
    '',
    `Versions: ${versions}.`,
  ]
  for (const shape of result.shapes) {
    const summaries = shapeSummaries(result, shape)
    parts.push('', `### ${shapeTitle[shape]}`, '', shapeTable(result, summaries))
  }
  parts.push('', '### Targets (one nines-dns process on one core)', '')
  const head = ['target', ...result.shapes.flatMap((shape) => [`${shape}`, `${shape} verdict`])]
  const perShape = result.shapes.map((shape) =>
    targetRows(
      shapeSummaries(result, shape),
      result.loss.find((l) => l.shape === shape),
    ),
  )
  const rows = (perShape[0] ?? []).map((row, i) => [
    row.target,
    ...perShape.flatMap((shapeRows) => [shapeRows[i]!.value, shapeRows[i]!.verdict]),
  ])
  parts.push(table(head, rows))
  for (const loss of result.loss) {
    parts.push(
      '',
      `Loss check (${loss.shape}): ${loss.caseName} at \`dnsperf -Q ${Math.round(loss.rateQps)}\` for ${result.seconds} s: ` +
        `${count(loss.sample.qps)} q/s answered, ${count(loss.sample.lost)} lost, server CPU ${fixed(loss.sample.serverCpuPct, 0)} %.`,
    )
  }
  const notes = [...result.skipped.map((s) => `${s.name} not measured: ${s.reason}.`), ...result.notes]
  if (notes.length) parts.push('', 'Notes:', '', ...notes.map((note) => `- ${note}`))
  return parts.join('\n')
}
