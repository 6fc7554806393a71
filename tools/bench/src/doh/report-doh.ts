// Turns the DoH bench's samples into the `doh` section of docs/benchmarks.md: one table of DoH requests/s
// and server CPU per query, ratios to nines-dns, and nines' plain-UDP figure from the same process.
import { median } from '../lib/proc.js'
import { table } from '../lib/report.js'
import { summarize as summarizeUdp, type Sample as UdpSample } from '../dns/report-dns.js'

export interface DohSample {
  readonly rps: number
  readonly requests: number
  readonly succeeded: number
  /** requests h2load counted as failed, errored or timed out, plus non-2xx answers */
  readonly failed: number
  readonly meanRequestMs: number
  /** average DNS message size in the response bodies */
  readonly responseBytes: number
  readonly serverCpuUsPerQuery: number
  /** server process tree CPU over the run, % of one core */
  readonly serverCpuPct: number
  readonly clientCpuPct: number
  /** CPU used by processes that are not ours during the run, % of one core */
  readonly foreignCpuPct: number
}

export interface DohSummary {
  readonly rps: number
  readonly rpsRuns: readonly number[]
  readonly serverCpuUsPerQuery: number
  readonly serverCpuPct: number
  readonly clientCpuPct: number
  readonly meanRequestMs: number
  readonly responseBytes: number
  readonly failed: number
}

export function summarize(samples: readonly DohSample[]): DohSummary {
  const med = (pick: (sample: DohSample) => number) => median(samples.map(pick))
  return {
    rps: med((s) => s.rps),
    rpsRuns: samples.map((s) => s.rps),
    serverCpuUsPerQuery: med((s) => s.serverCpuUsPerQuery),
    serverCpuPct: med((s) => s.serverCpuPct),
    clientCpuPct: med((s) => s.clientCpuPct),
    meanRequestMs: med((s) => s.meanRequestMs),
    responseBytes: med((s) => s.responseBytes),
    failed: samples.reduce((sum, s) => sum + s.failed, 0),
  }
}

export interface DohBenchResult {
  readonly command: string
  readonly date: string
  readonly requests: number
  readonly rounds: number
  readonly clients: number
  readonly streams: number
  readonly serverCpu: string
  readonly clientCpu: string
  /** the cases that ran, in the order given */
  readonly cases: readonly { readonly name: string; readonly label: string }[]
  readonly skipped: readonly { readonly name: string; readonly reason: string }[]
  readonly samples: Readonly<Record<string, readonly DohSample[]>>
  /** nines' plain DNS over UDP in the same rounds (dnsperf), when measured */
  readonly udp: readonly UdpSample[]
  readonly versions: Readonly<Record<string, string>>
  readonly notes: readonly string[]
}

export const ninesName = 'nines'

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '–')
const count = (value: number) => (Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '–')

function dohTable(result: DohBenchResult): string {
  const summaries = new Map(
    result.cases
      .filter(({ name }) => result.samples[name]?.length)
      .map(({ name }) => [name, summarize(result.samples[name]!)] as const),
  )
  const nines = summaries.get(ninesName)
  const rows = result.cases.flatMap(({ name, label }) => {
    const s = summaries.get(name)
    if (!s) return []
    return [
      [
        label,
        `**${count(s.rps)}**`,
        s.rpsRuns.map(count).join(' / '),
        `**${fixed(s.serverCpuUsPerQuery, 1)}**`,
        fixed(s.serverCpuPct, 0),
        fixed(s.clientCpuPct, 0),
        fixed(s.meanRequestMs, 2),
        fixed(s.responseBytes, 0),
        count(s.failed),
        nines ? fixed(s.rps / nines.rps, 2) : '–',
        nines ? fixed(s.serverCpuUsPerQuery / nines.serverCpuUsPerQuery, 2) : '–',
      ],
    ]
  })
  return table(
    [
      'server',
      'req/s (median)',
      'req/s per run',
      'server CPU µs/query',
      'server CPU %',
      'h2load CPU %',
      'mean request ms',
      'answer bytes',
      'failed',
      '÷ nines req/s',
      '÷ nines CPU/query',
    ],
    rows,
  )
}

function udpLine(result: DohBenchResult): string[] {
  if (!result.udp.length) return []
  const udp = summarizeUdp(result.udp)
  const doh = result.samples[ninesName]?.length ? summarize(result.samples[ninesName]!) : undefined
  const ratio = doh
    ? ` DoH costs ${fixed(doh.serverCpuUsPerQuery / udp.serverCpuUsPerQuery, 1)}× its UDP CPU per query.`
    : ''
  return [
    '',
    `For context, the same nines-dns process over plain DNS/UDP (\`dnsperf -c 10 -n ${result.requests}\`, no EDNS, ` +
      `same rounds): **${count(udp.qps)} q/s** (${udp.qpsRuns.map(count).join(' / ')}), ` +
      `**${fixed(udp.serverCpuUsPerQuery, 1)} µs** of server CPU per query, ${count(udp.lost)} lost.${ratio}`,
  ]
}

export function renderDohSection(result: DohBenchResult): string {
  const versions = Object.entries(result.versions)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ')
  const parts = [
    '## DNS over HTTPS: nines-dns vs Knot Resolver and dnsdist',
    '',
    `\`${result.command}\` (${result.date}).`,
    'Every server answers the RFC 8484 GET `https://127.0.0.1:PORT/dns-query?dns=…` for `svc.example.test A`',
    '(ID 0, RD, no EDNS) with the same 3 A records, checked first with `kdig +https` trusting only the',
    "bench's local CA. Knot Resolver answers from a `policy.ANSWER` rule and dnsdist from a `SpoofAction`:",
    'both are local answers (no recursion, no backend), so each row is the DoH front end plus a lookup.',
    `Each server is pinned to CPU ${result.serverCpu} (nines-dns and kresd are one process each; dnsdist's DoH`,
    `front end and worker threads share that CPU); h2load (one thread, ${result.clients} TLS`,
    `connections × ${result.streams} streams, HTTP/2) runs on CPU ${result.clientCpu}, closed loop, ${count(result.requests)} requests`,
    `per run. Each of the ${result.rounds} round(s) runs every server once, in an order that rotates between`,
    "rounds; the table gives medians. **Server CPU µs/query** is the server process tree's CPU time from",
    '/proc over the run ÷ answered requests. Connection setup (TLS handshakes) is inside the run but is 10',
    'handshakes among thousands of requests. Each ratio divides the row by nines-dns.',
    '',
    `Versions: ${versions}.`,
    '',
    dohTable(result),
    ...udpLine(result),
  ]
  const notes = [...result.skipped.map((s) => `${s.name} not measured: ${s.reason}.`), ...result.notes]
  if (notes.length) parts.push('', 'Notes:', '', ...notes.map((note) => `- ${note}`))
  return parts.join('\n')
}
