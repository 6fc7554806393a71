import { describe, expect, it } from 'vitest'
import type { LoadResult } from './class-load.js'
import { requestClasses } from './class-mix.js'
import {
  detailText,
  overloadTargetRows,
  renderOverloadSection,
  type OverloadCaseResult,
  type OverloadResult,
} from './report-overload.js'
import type { ClassSummary } from './summary.js'

const cls = (name: (typeof requestClasses)[number], over: Partial<ClassSummary> = {}): ClassSummary => ({
  cls: name,
  requests: 1000,
  ok: 1000,
  stale: 0,
  shed: 0,
  errors: 0,
  unsent: 0,
  overDeadline: 0,
  p50Ms: 41,
  p99Ms: 45,
  maxMs: 50,
  details: {},
  ...over,
})

const load = (rate: number, classes: ClassSummary[]): LoadResult => ({
  plan: {
    origin: 'http://127.0.0.1:1',
    rate,
    seconds: 7,
    warmupSeconds: 2,
    seed: 1,
    deadlineMs: 1000,
    graceMs: 50,
    maxConnections: 4000,
    giveUpMs: 5000,
  },
  scheduled: 3000,
  sendLagP50Ms: 1,
  sendLagP99Ms: 2,
  maxInFlight: 30,
  classes,
})

function caseResult(name: string, at3: ClassSummary[], rss3: number): OverloadCaseResult {
  const calm = requestClasses.map((c) => cls(c))
  return {
    name,
    label: `${name} label`,
    rssStartMb: 80,
    steps: [0.25, 1, 3].map((factor) => ({
      factor,
      rate: 400 * factor,
      load: load(400 * factor, factor === 3 ? at3 : calm),
      upstreamServedPerS: Math.min(400, 400 * factor),
      upstreamMaxQueued: 0,
      upstreamAbandoned: 0,
      rssPeakMb: factor === 3 ? rss3 : 100,
      proxyCpuPct: 20,
      othersPct: 1,
      ejections: name === 'nines-plain' && factor === 3 ? 2 : 0,
      listenOverflows: 0,
      synRetrans: 0,
    })),
  }
}

function result(cases: OverloadCaseResult[]): OverloadResult {
  return {
    command: 'npm run bench:edge -- --overload-only',
    date: '2026-12-02',
    serverCpu: '0',
    clientCpu: '1',
    shape: { endpoints: 2, slots: 8, serviceMs: 40, deadlineMs: 1000, capacity: 400, graceMs: 50 },
    seconds: 7,
    warmupSeconds: 2,
    cases,
    skipped: [{ name: 'nines', label: 'nines label', reason: 'did not start: unknown key "admission"' }],
    notes: [],
    machine: ['2 vCPU'],
    versions: { node: 'v20' },
  }
}

const nines = caseResult(
  'nines',
  [
    cls('critical', { ok: 999, errors: 1, p99Ms: 88, details: { '504 NINES_ERR_UPSTREAM_TIMEOUT': 1 } }),
    cls('normal', { ok: 500, shed: 500, p50Ms: 2 }),
    cls('sheddable', { ok: 100, stale: 800, shed: 100 }),
  ],
  110,
)
const plain = caseResult(
  'nines-plain',
  requestClasses.map((c) =>
    cls(c, { ok: 300, errors: 700, overDeadline: 40, p99Ms: 1100, details: { '504 X': 700 } }),
  ),
  200,
)

describe('overload targets', () => {
  it('judges nines at 3× against its own unloaded p99, and shows the others for comparison', () => {
    const rows = overloadTargetRows(result([nines, plain]))
    expect(rows.map((r) => r.verdict)).toEqual(['PASS', 'PASS', 'PASS', 'PASS'])
    expect(rows[0]!.values).toEqual({ nines: '99.90 %', 'nines-plain': '30.00 %' })
    expect(rows[1]!.values['nines']).toBe('88.0 / 45.0 ms = 1.96×')
    expect(rows[2]!.values['nines-plain']).toBe('120') // 3 classes × 40, all at 3×
    expect(rows[3]!.values['nines-plain']).toBe('200 / 100 MB = 2.00×')
  })

  it('fails what is missed and says "not measured" without nines', () => {
    const worse = caseResult('nines', [cls('critical', { ok: 990, errors: 10, p99Ms: 91 })], 126)
    expect(overloadTargetRows(result([worse])).map((r) => r.verdict)).toEqual([
      'FAIL',
      'FAIL',
      'PASS',
      'FAIL',
    ])
    expect(overloadTargetRows(result([plain])).every((r) => r.verdict === 'not measured')).toBe(true)
  })
})

describe('renderOverloadSection', () => {
  it('has a table per step, the memory table, the targets and why a case is missing', () => {
    const text = renderOverloadSection(result([nines, plain]), ['node slot-upstream.js 8 40 P1 P2'])
    expect(text).toContain('### 0.25× capacity (unloaded baseline)')
    expect(text).toContain('### 1× capacity (400 req/s)')
    expect(text).toContain('### 3× capacity (1,200 req/s)')
    expect(text).toContain('**400 req/s**')
    // offered req/s per class is its share of the step's requests
    expect(text).toContain(
      '| nines | sheddable | 400 | **90.00** | 80.0 | 10.0 | 0.0 | 41.0 | **45.0** | 50 | 0 | – |',
    )
    expect(text).toContain('| nines | critical | 400 | **99.90** | 0.0 | 0.0 | 0.1 |')
    expect(text).toContain('504 NINES_ERR_UPSTREAM_TIMEOUT ×1')
    expect(text).toContain('### Proxy memory and the upstreams, per step')
    expect(text).toContain(
      '| nines-plain | 3× | 1,200 | 80 | **200** | 400 | 0 | 0 | 20 | 2 | 30 | 2.0 | 0 / 0 | 1 |',
    )
    expect(text).toContain('| target | nines | nines-plain | verdict (nines) |')
    expect(text).toContain('- nines (nines label): did not start: unknown key "admission"')
    expect(text).toContain('- `node slot-upstream.js 8 40 P1 P2`')
    expect(text).not.toContain('other processes on this shared machine')
  })

  it('lists error kinds most frequent first', () => {
    expect(detailText(cls('normal', { details: { a: 1, '503': 1234, b: 5 } }))).toBe('503 ×1,234; b ×5; a ×1')
  })
})
