import { describe, expect, it } from 'vitest'
import type { Outcome } from './outcome.js'
import { weightedCycle } from './requests.js'
import { longestOutageMs, summarize } from './summary.js'

const o = (at: number, result: Outcome['result'], ms = 10, cls: Outcome['class'] = 'critical'): Outcome => ({
  at,
  ms,
  class: cls,
  name: 'balance',
  method: 'GET',
  result,
  retried: false,
})

describe('longestOutageMs', () => {
  it('runs from the first failed start to the next request that did not fail', () => {
    expect(
      longestOutageMs([
        o(0, 'ok'),
        o(100, 'failed'),
        o(150, 'failed'),
        o(400, 'ok'),
        o(500, 'failed'),
        o(520, 'shed'),
      ]),
    ).toBe(300)
  })

  it('ends a run that lasts to the end when its last request ended', () => {
    expect(longestOutageMs([o(0, 'ok'), o(100, 'failed', 50), o(120, 'failed', 200)])).toBe(220)
  })

  it('is 0 without failures', () => {
    expect(longestOutageMs([o(0, 'ok'), o(1, 'stale')])).toBe(0)
  })
})

describe('summarize', () => {
  it('counts per class within [from, to)', () => {
    const s = summarize([o(0, 'ok'), o(10, 'failed'), o(20, 'shed', 5, 'sheddable'), o(30, 'ok')], 10, 30)
    expect(s.requests).toBe(2)
    expect(s.failed).toBe(1)
    expect(s.byClass.critical).toMatchObject({ requests: 1, failed: 1 })
    expect(s.byClass.sheddable).toMatchObject({ requests: 1, shed: 1 })
    expect(s.failures.map((f) => f.at)).toEqual([10])
  })
})

describe('weightedCycle', () => {
  it('gives each name its share, interleaved', () => {
    const next = weightedCycle({ balance: 3, topup: 1 })
    const names = Array.from({ length: 8 }, next)
    expect(names.filter((n) => n === 'topup')).toHaveLength(2)
    expect(names.slice(0, 4).filter((n) => n === 'topup')).toHaveLength(1)
  })

  it('rejects a name it does not know', () => {
    expect(() => weightedCycle({ nope: 1 })).toThrow(/unknown request nope/)
  })
})
