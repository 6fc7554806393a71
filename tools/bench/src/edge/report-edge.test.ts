import { describe, expect, it } from 'vitest'
import {
  addedP99,
  renderEdgeSection,
  targetRows,
  type EdgeBenchResult,
  type OpenSample,
  type Sample,
} from './report-edge.js'

const sample = (rps: number, cpuUs: number): Sample => ({
  rps,
  p50Ms: 1,
  p99Ms: 2,
  errors: 0,
  serverCpuUsPerRequest: cpuUs,
  serverCpuPct: 99,
  upstreamCpuPct: 20,
  clientCpuPct: 30,
  foreignCpuPct: 1,
  rssMb: 60,
})

const open = (p99Ms: number): OpenSample => ({
  rate: 5000,
  seconds: 5,
  scheduled: 25000,
  completed: 25000,
  errors: 0,
  non2xx: 0,
  unfinished: 0,
  p50Ms: 0.5,
  p99Ms,
  p999Ms: p99Ms * 2,
  maxMs: p99Ms * 3,
  sendLagP50Ms: 0.5,
  sendLagP99Ms: 1,
  serverCpuPct: 50,
  foreignCpuPct: 1,
})

function result(withNines: boolean): EdgeBenchResult {
  const names = ['direct', 'bare', 'haproxy', 'nginx', ...(withNines ? ['nines'] : [])]
  const small: Record<string, Sample[]> = {
    direct: [sample(80000, 10)],
    bare: [sample(10000, 100), sample(12000, 90), sample(11000, 95)],
    haproxy: [sample(40000, 25)],
    nginx: [sample(42000, 24)],
  }
  if (withNines) small['nines'] = [sample(9000, 110), sample(9500, 105), sample(8000, 130)]
  return {
    command: 'npm run bench:edge',
    date: '2026-12-02',
    seconds: 5,
    rounds: 3,
    serverCpu: '0',
    clientCpu: '1',
    cases: names.map((name) => ({ name, label: name })),
    skipped: withNines ? [] : [{ name: 'nines', label: 'nines-edge', reason: 'not built' }],
    samples: { small, large: {} },
    openLoop: {
      rate: 4750,
      basis: withNines ? 'nines' : 'bare',
      byCase: { direct: [open(1), open(1.2)], bare: [open(2)], ...(withNines ? { nines: [open(3.5)] } : {}) },
    },
    machine: ['2 vCPU'],
    versions: { node: 'v20' },
    notes: [],
  }
}

describe('edge targets', () => {
  it('compares nines-edge medians with bare and p99 with direct', () => {
    expect(addedP99(result(true), 'nines')).toBeCloseTo(3.5 - 1.1)
    expect(targetRows(result(true)).map((r) => [r.value, r.verdict])).toEqual([
      ['1.16×', 'PASS'], // 110 / 95
      ['0.82×', 'PASS'], // 9000 / 11000
      ['2.40 ms', 'FAIL'],
    ])
  })

  it('says "not measured" when nines-edge did not run', () => {
    expect(targetRows(result(false)).every((r) => r.verdict === 'not measured')).toBe(true)
  })
})

describe('renderEdgeSection', () => {
  it('has both loads, the open loop, the targets, where the time goes and why nines-edge is missing', () => {
    const text = renderEdgeSection(result(false), ['wrk …'])
    expect(text).toContain('### Closed loop, small body')
    expect(text).toContain('### Closed loop, large body')
    expect(text).toContain('### Open loop at 4,750 req/s')
    expect(text).toContain(
      '| nines-edge added p99 < 2 ms at half its max rate (open loop) | – ms | not measured |',
    )
    expect(text).toContain('nines-edge did not run')
    expect(text).toContain('- nines-edge: not built.')
    expect(text).toContain('- `wrk …`')
  })
})
