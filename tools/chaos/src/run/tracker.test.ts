import { describe, expect, it } from 'vitest'
import type { Fault } from '../schedule/index.js'
import { FaultTracker } from './tracker.js'

const T0 = 1_000_000
const fault: Fault = {
  id: 1,
  kind: 'kill-stack',
  action: 'kill',
  target: 'a1',
  atMs: 10_000,
  healAtMs: 20_000,
  params: {},
}
const marks = (entries: [string, string[]][] = []) => new Map(entries)

describe('a fault tracker', () => {
  it('times detection from injection to the first mark, recovery from heal to no probe verdict, rotation to no ejection', () => {
    const t = new FaultTracker(fault)
    t.onMarks(T0 + 9_000, marks([['a1', ['edge1']]])) // before injection: ignored
    t.injectedAt = T0 + 10_000
    t.onMarks(T0 + 11_000, marks())
    t.onMarks(T0 + 12_500, marks([['a1', ['edge2 ejected']]]))
    t.onMarks(T0 + 13_000, marks([['a1', ['edge1', 'edge2']]]))
    t.healedAt = T0 + 20_000
    t.healed = true
    t.onMarks(T0 + 21_000, marks([['a1', ['edge1', 'edge2 ejected']]]))
    // Probes see it up; edge2's ejection runs on.
    t.onMarks(T0 + 22_250, marks([['a1', ['edge2 ejected']]]))
    t.onMarks(T0 + 40_000, marks([['b1', ['edge1']]]))
    const requests = [
      { at: T0 + 12_000, ms: 3, class: 'critical' as const, name: 'balance', result: 'failed' as const },
      { at: T0 + 30_000, ms: 3, class: 'critical' as const, name: 'balance', result: 'failed' as const },
    ]
    expect(t.figures(T0, T0 + 60_000, requests)).toMatchObject({
      atMs: 10_000,
      healAtMs: 20_000,
      detectedMs: 2_500,
      detectedBy: 'edge2 ejected',
      recoveredMs: 2_250,
      inRotationMs: 20_000,
      healed: true,
      failedRequests: 1,
      note: null,
    })
  })

  it('says so when no router ever marked the target down', () => {
    const t = new FaultTracker({ ...fault, action: 'fail-route', params: { route: '/api/usage' } })
    t.injectedAt = T0 + 10_000
    t.healedAt = T0 + 20_000
    t.onMarks(T0 + 21_000, marks())
    // Marked much later: another fault on the same stack, not this one's detection.
    t.onMarks(T0 + 40_000, marks([['a1', ['edge1']]]))
    const f = t.figures(T0, T0 + 60_000, [])
    expect(f).toMatchObject({ detectedMs: null, recoveredMs: null, inRotationMs: null })
    expect(f.note).toMatch(/never marked down/)
  })
})
