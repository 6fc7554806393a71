import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Sample as UdpSample } from '../dns/report-dns.js'
import { writeSection } from '../lib/report.js'
import { renderDohSection, summarize, type DohBenchResult, type DohSample } from './report-doh.js'

const sample = (rps: number, cpuUs: number, failed = 0): DohSample => ({
  rps,
  requests: 50000,
  succeeded: 50000 - failed,
  failed,
  meanRequestMs: 100 / (rps / 1000),
  responseBytes: 82,
  serverCpuUsPerQuery: cpuUs,
  serverCpuPct: 99,
  clientCpuPct: 60,
  foreignCpuPct: 2,
})

const udpSample = (qps: number, cpuUs: number): UdpSample => ({
  qps,
  completed: 50000,
  lost: 0,
  rcodeErrors: 0,
  avgLatencyMs: 1,
  responseBytes: 82,
  serverCpuUsPerQuery: cpuUs,
  serverCpuPct: 95,
  clientCpuPct: 90,
  foreignCpuPct: 1,
})

const result: DohBenchResult = {
  command: 'npm run bench:doh',
  date: '2026-12-02',
  requests: 50000,
  rounds: 3,
  clients: 10,
  streams: 10,
  serverCpu: '0',
  clientCpu: '1',
  cases: [
    { name: 'nines', label: 'nines-dns (one process)' },
    { name: 'kresd', label: 'Knot Resolver' },
  ],
  skipped: [{ name: 'dnsdist', reason: 'not installed: dnsdist' }],
  samples: {
    nines: [sample(10000, 90), sample(12000, 80), sample(11000, 85, 3)],
    kresd: [sample(24000, 40), sample(20000, 44), sample(22000, 42)],
  },
  udp: [udpSample(70000, 13), udpSample(72000, 12), udpSample(60000, 14)],
  versions: { node: 'v20.20.2', 'knot-resolver': '5.6.0' },
  notes: ['other processes on the machine used 2 % of a core in the median run (max 5 %).'],
}

describe('summarize', () => {
  it('takes medians and sums the failures', () => {
    expect(summarize(result.samples.nines!)).toMatchObject({
      rps: 11000,
      rpsRuns: [10000, 12000, 11000],
      serverCpuUsPerQuery: 85,
      failed: 3,
    })
  })
})

describe('renderDohSection', () => {
  const text = renderDohSection(result)

  it('has a row per server with medians, runs and ratios to nines', () => {
    expect(text).toContain(
      '| nines-dns (one process) | **11,000** | 10,000 / 12,000 / 11,000 | **85.0** | 99 | 60 |',
    )
    // kresd: 22,000 ÷ 11,000 req/s, 42 ÷ 85 µs
    expect(text).toMatch(/\| Knot Resolver \| \*\*22,000\*\* .* \| 2\.00 \| 0\.49 \|/)
  })

  it("gives nines' UDP figure of the same process and the DoH/UDP CPU ratio", () => {
    expect(text).toContain('**70,000 q/s** (70,000 / 72,000 / 60,000), **13.0 µs** of server CPU per query')
    expect(text).toContain('DoH costs 6.5× its UDP CPU per query.')
  })

  it('notes skipped peers, the command and the versions', () => {
    expect(text).toContain('- dnsdist not measured: not installed: dnsdist.')
    expect(text).toContain('`npm run bench:doh` (2026-12-02)')
    expect(text).toContain('Versions: node v20.20.2, knot-resolver 5.6.0.')
  })

  it('leaves the UDP line out when it was not measured', () => {
    expect(renderDohSection({ ...result, udp: [] })).not.toContain('plain DNS/UDP')
  })

  it('goes between the doh markers of the benchmarks file, leaving other sections alone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nines-doh-report-'))
    try {
      const file = join(dir, 'benchmarks.md')
      writeFileSync(file, '# Benchmarks\n\n<!-- bench:dns -->\nDNS\n<!-- /bench:dns -->\n')
      await writeSection('doh', text, file)
      await writeSection('doh', 'again', file)
      const written = readFileSync(file, 'utf8')
      expect(written).toContain('<!-- bench:dns -->\nDNS\n<!-- /bench:dns -->')
      expect(written).toContain('<!-- bench:doh -->\nagain\n<!-- /bench:doh -->')
      expect(written.match(/bench:doh -->/g)).toHaveLength(2)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
