import { describe, expect, it } from 'vitest'
import { buildReport } from './build.js'
import { classFigures, formatNines, formatPercent, longestOutageMs, type ObservedRequest } from './figures.js'
import { formatReport } from './format.js'
import { ledgerFigures } from './ledger.js'
import type { FaultFigures } from './report.js'
import { topupFigures } from './topups.js'

const T0 = Date.UTC(2026, 11, 2, 22, 0)

/** `n` requests of one kind, one every `everyMs` from `from`. */
function requests(
  n: number,
  from: number,
  everyMs: number,
  r: Partial<ObservedRequest> = {},
): ObservedRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    at: from + i * everyMs,
    ms: 5,
    class: 'critical',
    name: 'balance',
    result: 'ok',
    ...r,
  }))
}

const fault: FaultFigures = {
  id: 1,
  kind: 'kill-stack',
  action: 'kill',
  target: 'a1',
  params: {},
  atMs: 15_000,
  healAtMs: 30_000,
  detectedMs: 1_200,
  detectedBy: 'edge1',
  healTookMs: 900,
  recoveredMs: 2_100,
  inRotationMs: 28_000,
  note: null,
  healed: true,
  failedRequests: 0,
}

describe('client figures', () => {
  it('counts ok and stale as available, and shed only for sheddable requests', () => {
    const f = classFigures([
      ...requests(6, T0, 10),
      ...requests(2, T0, 10, { result: 'stale' }),
      ...requests(1, T0, 10, { result: 'shed', class: 'sheddable' }),
      ...requests(1, T0, 10, { result: 'shed' }),
    ])
    expect(f).toMatchObject({ requests: 10, ok: 6, stale: 2, shed: 2, failed: 1, availability: 0.9 })
    expect(f.nines).toBeCloseTo(1, 9)
  })

  it('gives nines as -log10(1 - availability), none when nothing failed', () => {
    const f = classFigures([...requests(19_999, T0, 1), ...requests(1, T0, 1, { result: 'failed' })])
    expect(formatPercent(f.availability)).toBe('99.9950 %')
    expect(formatNines(f.nines)).toBe('4.3 nines')
    expect(classFigures(requests(5, T0, 1)).nines).toBeNull()
    expect(formatNines(null)).toBe('no failures')
    expect(formatPercent(1)).toBe('100 %')
  })

  it('measures the longest outage from the first failure to the next answered request', () => {
    const timeline = [
      ...requests(10, T0, 100),
      ...requests(3, T0 + 1_000, 100, { result: 'failed' }), // 1000..1200
      ...requests(5, T0 + 1_450, 100),
      ...requests(1, T0 + 2_000, 100, { result: 'failed' }), // lone failure before the one at 2050
      ...requests(1, T0 + 2_050, 100),
    ]
    expect(longestOutageMs(timeline)).toBe(450)
    // Still failing at the end: until the end of the last failure.
    expect(
      longestOutageMs([...requests(2, T0, 100), ...requests(3, T0 + 200, 100, { result: 'failed' })]),
    ).toBe(205)
    expect(longestOutageMs(requests(3, T0, 100))).toBe(0)
  })
})

describe('the ledger beside the client', () => {
  it('clips incidents to the run window, an open one at the report time', () => {
    const rows = ledgerFigures(
      'edge1',
      {
        pools: [
          {
            subject: { pool: 'app' },
            at: T0 + 100_000,
            trackedSince: T0 - 5_000,
            state: 'up',
            incidents: [],
          },
        ],
        endpoints: [
          {
            subject: 'app/a1',
            at: T0 + 100_000,
            trackedSince: T0 - 5_000,
            state: 'down',
            incidents: [
              { start: T0 - 2_000, end: T0 + 1_000, planned: false }, // 1 s inside
              { start: T0 + 50_000, end: T0 + 53_000, planned: false },
              { start: T0 + 95_000, end: null, planned: false }, // open: to the report time, clipped at 98 s
            ],
          },
        ],
      },
      T0,
      T0 + 98_000,
    )
    expect(rows[0]).toMatchObject({
      daemon: 'edge1',
      kind: 'pool',
      subject: 'app',
      availability: 1,
      incidents: 0,
    })
    expect(rows[1]).toMatchObject({ kind: 'endpoint', subject: 'app/a1', downtimeMs: 7_000, incidents: 3 })
    expect(rows[1]!.downtimes).toEqual([
      { fromMs: 0, toMs: 1_000 },
      { fromMs: 50_000, toMs: 53_000 },
      { fromMs: 95_000, toMs: 98_000 },
    ])
    expect(rows[1]!.availability).toBeCloseTo(1 - 7 / 98, 12)
  })
})

describe('top-ups', () => {
  it('adds the books of every endpoint life and finds ids applied twice, also across endpoints', () => {
    const t = topupFigures(
      [
        { endpoint: 'a1', applied: 3, byRequest: { r1: 1, r2: 2 } },
        { endpoint: 'a1', applied: 1, byRequest: { r3: 1 } }, // after a restart
        { endpoint: 'b1', applied: 2, byRequest: { r4: 1, r3: 1 } },
      ],
      5,
      ['c1', 'c1'],
    )
    expect(t).toEqual({ applied: 6, clientOk: 5, duplicated: 2, duplicatedIds: ['r2', 'r3'], unread: ['c1'] })
  })
})

describe('the report', () => {
  const input = {
    seed: 42,
    startedAtMs: T0,
    stoppedAtMs: T0 + 60_000,
    plannedDurationMs: 60_000,
    interrupted: false,
    ratePerSec: 40,
    faults: [fault],
    ledger: ledgerFigures(
      'edge1',
      {
        pools: [{ subject: { pool: 'app' }, at: T0 + 60_000, trackedSince: T0, state: 'up', incidents: [] }],
        endpoints: [],
      },
      T0,
      T0 + 60_000,
    ),
    topups: topupFigures([], 0, []),
  }

  it('passes when every target is met, and splits client figures per pool', () => {
    const report = buildReport({
      ...input,
      requests: [
        ...requests(100, T0, 10),
        ...requests(50, T0, 10, { class: 'sheddable', name: 'cms-faq', result: 'stale' }),
      ],
    })
    expect(report.pass).toBe(true)
    expect(report.targets.map((t) => t.pass)).toEqual([true, true, true, true])
    expect(report.pools.app?.requests).toBe(100)
    expect(report.pools.cms?.requests).toBe(50)
    expect(report.pools.edges?.requests).toBe(150)
    expect(report.windowMs).toBe(60_000)
    expect(report.startedAt).toBe('2026-12-02T22:00:00.000Z')
    // JSON-safe: no Infinity hides in "no failures".
    expect(JSON.parse(JSON.stringify(report))).toEqual(report)
  })

  it('fails on a critical failure, a long outage or a duplicated top-up, and says which', () => {
    const report = buildReport({
      ...input,
      requests: [...requests(100, T0, 10), ...requests(120, T0 + 1_000, 10, { result: 'failed' })],
      topups: topupFigures([{ endpoint: 'a1', applied: 2, byRequest: { r1: 2 } }], 1, []),
    })
    expect(report.pass).toBe(false)
    expect(report.targets.filter((t) => !t.pass).map((t) => t.name)).toEqual([
      'critical availability',
      'overall availability',
      'longest outage (any class)',
      'duplicated top-ups',
    ])
    expect(report.longestOutageMs).toBe(1_195)
    expect(report.failures).toHaveLength(120)
    expect(report.failures[0]).toMatchObject({ atMs: 1_000, class: 'critical', name: 'balance' })
    expect(formatReport(report)).toMatch(
      /Failed requests \(first 20 of 120 listed in the JSON\)\n.*\n\s*1\.0 s\s+critical\s+balance/,
    )
  })

  it('prints aligned tables with every section', () => {
    const text = formatReport(buildReport({ ...input, requests: requests(100, T0, 10) }))
    expect(text).toContain('seed 42')
    expect(text).toMatch(/critical\s+100\s+100\s+0\s+0\s+0\s+100 %\s+no failures\s+0 ms/)
    expect(text).toMatch(/1\s+15\.0 s\s+30\.0 s\s+kill\s+a1\s+1\.2 s by edge1\s+2\.1 s\s+28\.0 s\s+0\s+yes/)
    expect(text).toMatch(/edge1\s+pool app\s+100 %/)
    expect(text).toContain('Top-ups: 0 applied')
    expect(text).toMatch(/critical availability\s+≥ 99\.9990 %\s+100 %\s+PASS/)
    expect(text).toContain('All targets met.')
    // The columns line up: every row of the class table is as wide as its header or narrower.
    const lines = text.split('\n')
    const header = lines.findIndex((l) => l.startsWith('class'))
    expect(lines[header + 1]!.indexOf('100 %')).toBe(lines[header + 4]!.indexOf('100 %'))
  })
})
