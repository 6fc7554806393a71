import { describe, expect, it } from 'vitest'
import { monitorReporter } from './monitor-reporter.js'

describe('monitorReporter', () => {
  it.each([
    { outcome: 'ok' as const, latencyMs: 12, report: { ok: true, latencyMs: 12, detail: 'ok' } },
    { outcome: 'reset' as const, latencyMs: undefined, report: { ok: false, latencyMs: 0, detail: 'reset' } },
    { outcome: '5xx' as const, latencyMs: 3, report: { ok: false, latencyMs: 3, detail: '5xx' } },
  ])('$outcome → $report', ({ outcome, latencyMs, report }) => {
    const calls: unknown[] = []
    const hook = monitorReporter({ report: (id, o) => calls.push([id, o]) })
    hook({ endpointId: 'a', outcome, latencyMs })
    expect(calls).toEqual([['a', report]])
  })
})
