import { describe, expect, it } from 'vitest'
import { classify, successShare, summarize, type RequestRecord } from './summary.js'

describe('classify', () => {
  it('tells fresh, stale, shed and other answers apart', () => {
    expect(classify(200, {})).toEqual({ outcome: 'ok' })
    expect(classify(200, { 'x-nines-cache': 'stale; reason=shed' })).toEqual({ outcome: 'stale' })
    expect(classify(200, { 'x-nines-cache': 'hit' })).toEqual({ outcome: 'ok' })
    expect(classify(503, { 'x-nines-error': 'NINES_ERR_SHED', 'retry-after': '1' })).toEqual({
      outcome: 'shed',
    })
    expect(classify(503, { 'x-nines-error': 'NINES_ERR_SHED' })).toEqual({
      outcome: 'shed',
      detail: 'no Retry-After',
    })
    expect(classify(503, {})).toEqual({ outcome: 'error', detail: '503' })
    expect(classify(504, { 'x-nines-error': ['NINES_ERR_TIMEOUT'] })).toEqual({
      outcome: 'error',
      detail: '504 NINES_ERR_TIMEOUT',
    })
  })
})

describe('summarize', () => {
  const records: RequestRecord[] = [
    ...Array.from({ length: 97 }, (_, i): RequestRecord => ({
      cls: 'critical',
      outcome: 'ok',
      latencyMs: i + 1,
    })),
    { cls: 'critical', outcome: 'stale', latencyMs: 98 },
    { cls: 'critical', outcome: 'error', latencyMs: 1200, detail: '504 NINES_ERR_TIMEOUT' },
    { cls: 'critical', outcome: 'unsent', latencyMs: 0, detail: 'not sent (no free connection)' },
    { cls: 'sheddable', outcome: 'shed', latencyMs: 2 },
    { cls: 'sheddable', outcome: 'shed', latencyMs: 3, detail: 'no Retry-After' },
    { cls: 'sheddable', outcome: 'stale', latencyMs: 1 },
  ]

  it('counts outcomes per class, percentiles over every sent request, and what waited past the deadline', () => {
    const [critical, normal, sheddable] = summarize(records, 1000, 50)
    expect(critical).toMatchObject({
      cls: 'critical',
      requests: 100,
      ok: 97,
      stale: 1,
      errors: 1,
      unsent: 1,
      shed: 0,
      overDeadline: 1,
      p50Ms: 50,
      p99Ms: 1200, // 99 sent (the unsent one is left out): nearest rank ceil(98.01) = 99, the error
      maxMs: 1200,
      details: { '504 NINES_ERR_TIMEOUT': 1, 'not sent (no free connection)': 1 },
    })
    expect(successShare(critical!)).toBeCloseTo(0.98)
    expect(normal).toMatchObject({ requests: 0, overDeadline: 0 })
    expect(normal!.p99Ms).toBeNaN()
    expect(successShare(normal!)).toBeNaN()
    expect(sheddable).toMatchObject({ requests: 3, shed: 2, stale: 1, details: { 'no Retry-After': 1 } })
    expect(successShare(sheddable!)).toBeCloseTo(1 / 3)
  })

  it('does not count a request answered within the grace after the deadline', () => {
    const [critical] = summarize([{ cls: 'critical', outcome: 'error', latencyMs: 1040 }], 1000, 50)
    expect(critical!.overDeadline).toBe(0)
  })
})
