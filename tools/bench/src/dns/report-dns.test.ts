import { describe, expect, it } from 'vitest'
import {
  renderDnsSection,
  summarize,
  targetRows,
  type DnsBenchResult,
  type Sample,
  type Summary,
} from './report-dns.js'

const sample = (qps: number, cpuUs: number, lost = 0): Sample => ({
  qps,
  completed: qps * 10,
  lost,
  rcodeErrors: 0,
  avgLatencyMs: 100 / qps,
  responseBytes: 82,
  serverCpuUsPerQuery: cpuUs,
  serverCpuPct: 100,
  clientCpuPct: 90,
  foreignCpuPct: 1,
})

const summary = (qps: number, cpuUs: number): Summary => summarize([sample(qps, cpuUs)])

describe('summarize', () => {
  it('takes medians per figure and sums lost queries', () => {
    const s = summarize([sample(100, 10, 1), sample(300, 30), sample(200, 20, 2)])
    expect(s.qps).toBe(200)
    expect(s.serverCpuUsPerQuery).toBe(20)
    expect(s.qpsRuns).toEqual([100, 300, 200])
    expect(s.lost).toBe(3)
  })
})

describe('targetRows', () => {
  const loss = (lost: number) => ({
    shape: 'plain' as const,
    caseName: 'nines',
    rateQps: 1,
    sample: sample(1, 1, lost),
  })
  it.each([
    {
      name: 'all met at the edges',
      nines: summary(80, 12.5),
      lost: 0,
      verdicts: ['met', 'met', 'met', 'met'],
    },
    {
      name: 'all missed just past the edges',
      nines: summary(79, 12.6),
      lost: 1,
      verdicts: ['NOT met', 'NOT met', 'NOT met', 'NOT met'],
    },
  ])('$name', ({ nines, lost, verdicts }) => {
    const summaries = new Map([
      ['nines', nines],
      ['dgram', summary(100, 10)],
      ['pdns-lua', summary(2, 800)],
    ])
    expect(targetRows(summaries, loss(lost)).map((row) => row.verdict)).toEqual(verdicts)
  })

  it('says "not measured" where nines or a reference is missing', () => {
    const summaries = new Map([['dgram', summary(100, 10)]])
    expect(targetRows(summaries, undefined).map((row) => row.verdict)).toEqual(Array(4).fill('not measured'))
  })
})

describe('renderDnsSection', () => {
  const result: DnsBenchResult = {
    command: 'npm run bench:dns',
    date: '2026-01-01',
    seconds: 10,
    rounds: 1,
    serverCpu: '0',
    clientCpu: '1',
    shapes: ['plain'],
    cases: [
      { name: 'nines', label: 'nines-dns' },
      { name: 'dgram', label: 'dgram' },
      { name: 'pdns-lua', label: 'pdns' },
    ],
    skipped: [{ name: 'nsd', reason: 'not installed: nsd' }],
    samples: { plain: { nines: [sample(70, 14)], dgram: [sample(100, 10)], 'pdns-lua': [sample(1, 900)] } },
    loss: [{ shape: 'plain', caseName: 'nines', rateQps: 35, sample: sample(35, 14) }],
    versions: { node: 'v20' },
    notes: ['a note'],
  }
  const text = renderDnsSection(result)

  it('gives each case a row with its ratios to the ceiling and PowerDNS', () => {
    const row = text.split('\n').find((line) => line.startsWith('| nines-dns |'))!
    expect(row).toContain('**70**')
    expect(row).toContain('| 0.70 | 1.40 | 70.0 |')
  })

  it('marks the targets and lists skipped cases and notes', () => {
    expect(text).toMatch(/CPU µs\/query ≤ 1.25× the bare Node server \| 1.40× \| NOT met/)
    expect(text).toMatch(/no query lost at 50 % of its median q\/s \| 0 lost of 350 \| met/)
    expect(text).toContain('- nsd not measured: not installed: nsd.')
    expect(text).toContain('- a note')
  })
})
