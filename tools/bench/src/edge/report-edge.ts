// Turns the edge bench's samples into the `edge` section of docs/benchmarks.md: a closed-loop table per
// body size, the open-loop latencies at one common rate, the targets (PASS / FAIL) and a short account of
// where the CPU time goes, computed from the same numbers.
import { median } from '../lib/proc.js'
import { table } from '../lib/report.js'
import type { OpenLoopResult } from './open-loop.js'

export const loads = ['small', 'large'] as const
export type Load = (typeof loads)[number]
export const loadPath: Record<Load, string> = { small: '/', large: '/large' }
const loadTitle: Record<Load, string> = {
  small: 'Closed loop, small body: `GET /`, 100 bytes',
  large: 'Closed loop, large body: `GET /large`, 1 MB from a file',
}
/** The cases the open-loop rounds run (not `nines-w2`: the target is about one process). */
export const openLoopCases: readonly string[] = ['direct', 'bare', 'nines', 'haproxy', 'nginx']

export interface Sample {
  readonly rps: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly errors: number
  /** server process tree CPU time over the run ÷ requests wrk completed */
  readonly serverCpuUsPerRequest: number
  readonly serverCpuPct: number
  /** upstream nginx CPU, % of one core (NaN in `direct`, where it is the server) */
  readonly upstreamCpuPct: number
  readonly clientCpuPct: number
  readonly foreignCpuPct: number
  /** VmRSS summed over the server's process tree at the end of the run */
  readonly rssMb: number
}

export interface OpenSample extends OpenLoopResult {
  readonly serverCpuPct: number
  readonly foreignCpuPct: number
}

export interface EdgeBenchResult {
  readonly command: string
  readonly date: string
  readonly seconds: number
  readonly rounds: number
  readonly serverCpu: string
  readonly clientCpu: string
  readonly cases: readonly { readonly name: string; readonly label: string }[]
  readonly skipped: readonly { readonly name: string; readonly label: string; readonly reason: string }[]
  readonly samples: Record<Load, Record<string, Sample[]>>
  /** the open-loop rate is half of `basis`'s median small-body req/s */
  readonly openLoop:
    | { readonly rate: number; readonly basis: string; readonly byCase: Record<string, OpenSample[]> }
    | undefined
  readonly machine: readonly string[]
  readonly versions: Readonly<Record<string, string>>
  readonly notes: readonly string[]
}

export const targets = { maxCpuVsBare: 1.25, minRpsVsBare: 0.8, maxAddedP99Ms: 2 } as const

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '–')
const count = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–')
const med = <T>(list: readonly T[] | undefined, pick: (item: T) => number) =>
  list?.length ? median(list.map(pick)) : Number.NaN

/** Medians over the rounds of one case and load (NaN when it did not run). */
export function summary(result: EdgeBenchResult, load: Load, name: string) {
  const list = result.samples[load][name]
  return {
    rps: med(list, (s) => s.rps),
    rpsRuns: (list ?? []).map((s) => s.rps),
    p50Ms: med(list, (s) => s.p50Ms),
    p99Ms: med(list, (s) => s.p99Ms),
    cpuUs: med(list, (s) => s.serverCpuUsPerRequest),
    cpuPct: med(list, (s) => s.serverCpuPct),
    // CPU 1 holds wrk and the upstream nginx (which *is* the server in `direct`).
    clientCorePct: med(
      list,
      (s) => s.clientCpuPct + (Number.isFinite(s.upstreamCpuPct) ? s.upstreamCpuPct : s.serverCpuPct),
    ),
    rssMb: med(list, (s) => s.rssMb),
    othersPct: med(list, (s) => s.foreignCpuPct),
    errors: (list ?? []).reduce((sum, s) => sum + s.errors, 0),
  }
}

export function openSummary(result: EdgeBenchResult, name: string) {
  const list = result.openLoop?.byCase[name]
  return {
    p50Ms: med(list, (s) => s.p50Ms),
    p99Ms: med(list, (s) => s.p99Ms),
    p999Ms: med(list, (s) => s.p999Ms),
    cpuPct: med(list, (s) => s.serverCpuPct),
    lagP99Ms: med(list, (s) => s.sendLagP99Ms),
    othersPct: med(list, (s) => s.foreignCpuPct),
    failed: (list ?? []).reduce((sum, s) => sum + s.errors + s.non2xx + s.unfinished, 0),
  }
}

/** p99 at the open-loop rate minus direct's (both medians over the rounds). */
export const addedP99 = (result: EdgeBenchResult, name: string) =>
  openSummary(result, name).p99Ms - openSummary(result, 'direct').p99Ms

export type Verdict = 'PASS' | 'FAIL' | 'not measured'

export interface TargetRow {
  readonly target: string
  readonly value: string
  readonly verdict: Verdict
}

export function targetRows(result: EdgeBenchResult): TargetRow[] {
  const judge = (value: number, ok: (v: number) => boolean): Verdict =>
    Number.isFinite(value) ? (ok(value) ? 'PASS' : 'FAIL') : 'not measured'
  const nines = summary(result, 'small', 'nines')
  const bare = summary(result, 'small', 'bare')
  const cpu = nines.cpuUs / bare.cpuUs
  const rps = nines.rps / bare.rps
  const added = addedP99(result, 'nines')
  return [
    {
      target: `nines-edge CPU µs/request ≤ ${targets.maxCpuVsBare}× bare (small body)`,
      value: `${fixed(cpu, 2)}×`,
      verdict: judge(cpu, (v) => v <= targets.maxCpuVsBare),
    },
    {
      target: `nines-edge req/s ≥ ${targets.minRpsVsBare}× bare (small body)`,
      value: `${fixed(rps, 2)}×`,
      verdict: judge(rps, (v) => v >= targets.minRpsVsBare),
    },
    {
      target: `nines-edge added p99 < ${targets.maxAddedP99Ms} ms at half its max rate (open loop)`,
      value: `${fixed(added, 2)} ms`,
      verdict: judge(added, (v) => v < targets.maxAddedP99Ms),
    },
  ]
}

function loadTable(result: EdgeBenchResult, load: Load): string {
  const bare = summary(result, load, 'bare')
  const ha = summary(result, load, 'haproxy')
  const ngx = summary(result, load, 'nginx')
  const rows = result.cases.map(({ name, label }) => {
    const s = summary(result, load, name)
    return [
      label,
      `**${count(s.rps)}**`,
      s.rpsRuns.map(count).join(' / '),
      fixed(s.p50Ms, 2),
      fixed(s.p99Ms, 2),
      `**${fixed(s.cpuUs, 1)}**`,
      fixed(s.cpuPct, 0),
      fixed(s.clientCorePct, 0),
      fixed(s.rssMb, 0),
      fixed(s.othersPct, 0),
      count(s.errors),
      fixed(s.rps / bare.rps, 2),
      fixed(s.cpuUs / bare.cpuUs, 2),
      fixed(s.rps / ha.rps, 2),
      fixed(s.rps / ngx.rps, 2),
    ]
  })
  return table(
    [
      'case',
      'req/s (median)',
      'req/s per run',
      'p50 ms',
      'p99 ms',
      'server CPU µs/req',
      'server CPU %',
      'CPU 1 % (wrk + upstream)',
      'RSS MB',
      'others %',
      'errors',
      '÷ bare req/s',
      '÷ bare CPU/req',
      '÷ HAProxy req/s',
      '÷ nginx req/s',
    ],
    rows,
  )
}

function openTable(result: EdgeBenchResult): string {
  const rows = result.cases
    .filter(({ name }) => result.openLoop?.byCase[name]?.length)
    .map(({ name, label }) => {
      const s = openSummary(result, name)
      return [
        label,
        fixed(s.p50Ms, 2),
        `**${fixed(s.p99Ms, 2)}**`,
        fixed(s.p999Ms, 2),
        name === 'direct' ? '(reference)' : `**${fixed(addedP99(result, name), 2)}**`,
        fixed(s.cpuPct, 0),
        fixed(s.othersPct, 0),
        count(s.failed),
        fixed(s.lagP99Ms, 2),
      ]
    })
  return table(
    [
      'case',
      'p50 ms',
      'p99 ms',
      'p99.9 ms',
      'added p99 ms (− direct)',
      'server CPU %',
      'others %',
      'errors + unanswered',
      'generator send lag p99 ms',
    ],
    rows,
  )
}

/** A few sentences computed from the medians; parts whose cases did not run are left out. */
export function whereTheTimeGoes(result: EdgeBenchResult): string {
  const small = (name: string) => summary(result, 'small', name)
  const large = (name: string) => summary(result, 'large', name)
  const [direct, bare, ha, ngx, nines] = ['direct', 'bare', 'haproxy', 'nginx', 'nines'].map(small)
  const us = (v: number) => `${fixed(v, 1)} µs`
  const parts: string[] = []
  if (Number.isFinite(bare!.cpuUs) && Number.isFinite(ha!.cpuUs)) {
    parts.push(
      `A 100-byte request costs the bare Node forwarder ${us(bare!.cpuUs)} of CPU 0, against ${us(ha!.cpuUs)} ` +
        `for HAProxy and ${us(ngx!.cpuUs)} for nginx (${fixed(bare!.cpuUs / ha!.cpuUs, 1)}× HAProxy). ` +
        `The upstream nginx serving the same answer directly spends ${us(direct!.cpuUs)}: each proxied request ` +
        'pays for a server-side parse and write and a client-side write and parse, which in Node is JS ' +
        '(node:http, undici and its llhttp) and header objects rather than C buffers.',
    )
  }
  if (Number.isFinite(nines!.cpuUs) && Number.isFinite(bare!.cpuUs)) {
    const extra = nines!.cpuUs - bare!.cpuUs
    const share = `${fixed((Math.abs(extra) / bare!.cpuUs) * 100, 0)} %`
    parts.push(
      extra >= 0
        ? `nines-edge spends ${us(nines!.cpuUs)}, ${us(extra)} (${share}) more than the bare forwarder: the ` +
            'price of routing, P2C balancing, passive ejection, the retry budget, request ids and metrics.'
        : `nines-edge spends ${us(nines!.cpuUs)}, ${us(-extra)} (${share}) less than the bare forwarder, ` +
            'so on this run it forwards at least as cheaply as the bare loop (within run-to-run noise).',
    )
  } else {
    parts.push('nines-edge did not run, so its overhead over the bare forwarder is not measured here.')
  }
  const [bareL, haL, ngxL] = ['bare', 'haproxy', 'nginx'].map(large)
  if (Number.isFinite(bareL!.cpuUs)) {
    parts.push(
      `With 1 MB bodies the cost grows with the bytes moved through each proxy: ${us(bareL!.cpuUs)} for the bare ` +
        `forwarder, ${us(haL!.cpuUs)} for HAProxy, ${us(ngxL!.cpuUs)} for nginx.`,
    )
  }
  const busy = ['direct', 'haproxy', 'nginx'].filter((name) => small(name).clientCorePct >= 85)
  if (busy.length) {
    parts.push(
      `In the ${busy.join(', ')} small-body runs CPU 1 (wrk + upstream) was at least 85 % busy, so those req/s ` +
        'are bounded by the client core; compare CPU µs/request there.',
    )
  }
  return parts.join(' ')
}

export function renderEdgeSection(result: EdgeBenchResult, commands: readonly string[]): string {
  const versions = Object.entries(result.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ')
  const open = result.openLoop
  const parts = [
    "## Edge router: nines-edge vs Node's ceiling, HAProxy, nginx",
    '',
    `\`${result.command}\` (${result.date}). Machine: ${result.machine.join(', ')}. Versions: ${versions}.`,
    '',
    `Three upstreams (one nginx, 1 worker, three ports) and the load generator run on CPU ${result.clientCpu};`,
    `the proxy under test runs alone on CPU ${result.serverCpu} (both nines-edge workers too, so \`--workers 2\``,
    'shows cluster overhead, not scaling). Each proxy round-robins (nines-edge: P2C) over the three upstreams',
    `with keep-alive on both sides. Closed loop: \`wrk -t1 -c64 -d${result.seconds}s --latency\` after a 1 s warm-up; each of`,
    `the ${result.rounds} round(s) runs every case once, in an order that rotates between rounds; tables give medians.`,
    '**Server CPU µs/req** is the CPU time of the proxy process tree (from /proc, nginx master + worker,',
    'nines-edge primary + workers) over the run ÷ requests; RSS is VmRSS summed over the tree after the run;',
    '"others %" is the CPU other processes on this shared machine used during the run (% of one core).',
    '',
    'Commands (ports chosen at start; configs generated into a temp dir):',
    '',
    ...commands.map((c) => `- \`${c}\``),
  ]
  for (const load of loads) parts.push('', `### ${loadTitle[load]}`, '', loadTable(result, load))
  if (open) {
    parts.push(
      '',
      `### Open loop at ${count(open.rate)} req/s (half of ${open.basis === 'nines' ? 'nines-edge' : 'the bare forwarder'}'s median small-body req/s)`,
      '',
      `A Node generator (undici, 64 connections, CPU ${result.clientCpu}) sends \`GET /\` on a fixed schedule for`,
      `${result.seconds} s after a 1 s warm-up and measures each latency from the request's scheduled send time, so`,
      'queueing is not hidden by the generator slowing down (coordinated omission). Its timers add up to about',
      "1 ms of send lag to every case alike (last column); **added p99** is the case's p99 minus direct's.",
      '',
      openTable(result),
    )
  }
  const verdicts = targetRows(result)
  parts.push(
    '',
    '### Targets',
    '',
    table(
      ['target', 'this run', 'verdict'],
      verdicts.map((r) => [r.target, r.value, r.verdict]),
    ),
  )
  parts.push('', '### Where the time goes', '', whereTheTimeGoes(result))
  const notes = [...result.skipped.map((s) => `${s.label}: ${s.reason}.`), ...result.notes]
  if (notes.length) parts.push('', 'Notes:', '', ...notes.map((note) => `- ${note}`))
  return parts.join('\n')
}
