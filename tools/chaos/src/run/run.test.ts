import { describe, expect, it } from 'vitest'
import { formatReport } from '../report/index.js'
import { runChaos } from './run.js'

// The whole stack for 20 s with two faults on the API stacks: the report has every section, the faults
// were staged, seen and healed, and the stack serves again at the end.
describe('a short chaos run', () => {
  it(
    'stages two faults, heals them, and reports the client and the ledgers side by side',
    { timeout: 120_000 },
    async () => {
      const lines: string[] = []
      let runningAtEnd: string[] = []
      const report = await runChaos({
        durationMs: 20_000,
        seed: 3,
        ratePerSec: 20,
        trafficWarmupMs: 1_000,
        kinds: ['kill-stack', 'hang-stack'],
        print: (line) => {
          lines.push(line)
          if (process.env.CHAOS_VERBOSE) console.log(new Date().toISOString(), line)
        },
        beforeStop: (stack) => {
          runningAtEnd = stack.processes.filter((p) => p.running).map((p) => p.name)
        },
      })
      if (process.env.CHAOS_VERBOSE) console.log(formatReport(report))
      expect(report.faults).toHaveLength(2)
      for (const f of report.faults) {
        expect(f.healed).toBe(true)
        expect(f.healAtMs).toBeGreaterThan(f.atMs)
      }
      expect(runningAtEnd.sort()).toEqual([
        'a1',
        'a2',
        'b1',
        'b2',
        'c1',
        'c2',
        'cms',
        'edge1',
        'edge2',
        'ns1',
        'ns2',
      ])
      expect(report.classes.overall.requests).toBeGreaterThan(100)
      expect(report.windowMs).toBeGreaterThanOrEqual(20_000)
      expect(
        report.ledger
          .filter((l) => l.kind === 'pool')
          .map((l) => `${l.daemon} ${l.subject}`)
          .sort(),
      ).toEqual(['edge1 app', 'edge1 cms', 'edge2 app', 'edge2 cms', 'ns1 edges', 'ns2 edges'])
      expect(report.targets.map((t) => t.name)).toHaveLength(4)
      expect(lines.some((l) => /^\[\s*\d+ s\] \d+ requests/.test(l))).toBe(true)
    },
  )
})
