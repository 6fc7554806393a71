import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { formatMs, formatNines, formatPercent, type ClassFigures } from './figures.js'
import type { ChaosReport, FaultFigures } from './report.js'

/** Columns padded to their widest cell; the `right` ones (numbers) right-aligned. */
export function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: readonly number[] = [],
): string {
  const all = [header, ...rows]
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)))
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (right.includes(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}

const seconds = (ms: number) => `${(ms / 1_000).toFixed(1)} s`

function classRow(name: string, f: ClassFigures): string[] {
  return [
    name,
    String(f.requests),
    String(f.ok),
    String(f.stale),
    String(f.shed),
    String(f.failed),
    formatPercent(f.availability),
    formatNines(f.nines),
    formatMs(f.longestOutageMs),
  ]
}

function faultRow(f: FaultFigures): string[] {
  const detail = Object.entries(f.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')
  return [
    String(f.id),
    seconds(f.atMs),
    seconds(f.healAtMs) +
      (f.healTookMs !== null && f.healTookMs >= 1_000 ? ` (+${seconds(f.healTookMs)})` : ''),
    `${f.action}${detail ? ` (${detail})` : ''}`,
    f.target,
    f.detectedMs === null ? '—' : `${formatMs(f.detectedMs)} by ${f.detectedBy}`,
    f.recoveredMs === null ? '—' : formatMs(f.recoveredMs),
    f.inRotationMs === null ? '—' : formatMs(f.inRotationMs),
    String(f.failedRequests),
    f.healed ? 'yes' : 'NO',
    f.note ?? '',
  ]
}

/** The end-of-run table, plain text. */
export function formatReport(r: ChaosReport): string {
  const out: string[] = []
  out.push(
    `nines chaos run: seed ${r.seed}, ${seconds(r.windowMs)} measured of ${seconds(r.plannedDurationMs)} planned` +
      `${r.interrupted ? ' (interrupted)' : ''}, ${r.ratePerSec} req/s, started ${r.startedAt}`,
  )
  out.push('')
  out.push(
    'Client-observed (available = ok + stale, + shed for sheddable requests: the designed degradation)',
  )
  out.push(
    table(
      ['class', 'requests', 'ok', 'stale', 'shed', 'failed', 'availability', 'nines', 'longest outage'],
      [...(['critical', 'normal', 'sheddable', 'overall'] as const).map((c) => classRow(c, r.classes[c]))],
      [1, 2, 3, 4, 5, 6, 7, 8],
    ),
  )
  out.push('')
  out.push(
    'Faults (detected: injection → a daemon marks it down or a router ejects it; recovered: heal → no probe' +
      ' marks it down; in rotation: heal → no router ejects it)',
  )
  out.push(
    table(
      [
        '#',
        'at',
        'healed at',
        'fault',
        'target',
        'detected',
        'recovered',
        'in rotation',
        'failed reqs',
        'healed',
        'note',
      ],
      r.faults.map(faultRow),
      [0, 1, 2, 6, 7, 8],
    ),
  )
  out.push('')
  out.push(
    "The nines ledger (each daemon's health-check record of the same window) beside the client's figure",
  )
  const pools = r.ledger.filter((l) => l.kind === 'pool')
  const endpointsDown = r.ledger.filter((l) => l.kind === 'endpoint' && l.downtimeMs > 0)
  out.push(
    table(
      [
        'daemon',
        'subject',
        'ledger availability',
        'nines',
        'downtime',
        'incidents',
        'client availability',
        'when',
      ],
      [...pools, ...endpointsDown].map((l) => {
        const client = l.kind === 'pool' ? (r.pools[l.subject] ?? r.classes.overall) : undefined
        return [
          l.daemon,
          `${l.kind} ${l.subject}`,
          formatPercent(l.availability),
          formatNines(l.nines),
          formatMs(l.downtimeMs),
          String(l.incidents),
          client ? `${formatPercent(client.availability)} (${formatNines(client.nines)})` : '',
          l.downtimes
            .slice(0, 3)
            .map((d) => `${(d.fromMs / 1_000).toFixed(1)}–${seconds(d.toMs)}`)
            .join(', ') + (l.downtimes.length > 3 ? ', …' : ''),
        ]
      }),
      [2, 3, 4, 5],
    ),
  )
  if (r.failures.length > 0) {
    out.push('')
    out.push(
      `Failed requests (${r.failures.length > 20 ? `first 20 of ${r.failures.length} listed in the JSON` : 'all'})`,
    )
    out.push(
      table(
        ['at', 'class', 'request', 'status', 'error', 'router', 'retried'],
        r.failures
          .slice(0, 20)
          .map((f) => [
            seconds(f.atMs),
            f.class,
            `${f.method ?? ''} ${f.name}`.trim(),
            f.status === undefined ? '' : String(f.status),
            f.error ?? '',
            f.edge ?? '',
            f.retried ? 'yes' : '',
          ]),
        [0],
      ),
    )
  }
  const t = r.topups
  out.push('')
  out.push(
    `Top-ups: ${t.applied} applied, ${t.clientOk} answered ok to the client, ${t.duplicated} duplicated` +
      (t.duplicatedIds.length > 0 ? ` (${t.duplicatedIds.slice(0, 5).join(', ')})` : '') +
      (t.unread.length > 0 ? `; books lost unread on ${t.unread.join(', ')}` : ''),
  )
  out.push('')
  out.push(
    table(
      ['target', 'want', 'got', ''],
      r.targets.map((x) => [x.name, x.want, x.got, x.pass ? 'PASS' : 'FAIL']),
    ),
  )
  out.push(r.pass ? 'All targets met.' : 'Some targets missed.')
  return out.join('\n')
}

/** `var/chaos/<iso-time>.json` under `root`, colons made file-name safe. */
export function defaultReportPath(root: string, startedAt: string): string {
  return `${root}/var/chaos/${startedAt.replace(/:/g, '-')}.json`
}

export async function writeReport(report: ChaosReport, path: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, `${JSON.stringify(report, null, 2)}\n`)
}
