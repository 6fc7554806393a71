import { describe, expect, it } from 'vitest'
import { verdicts } from './targets.js'

describe('health benchmark verdicts', () => {
  it('meets both targets at their bounds and misses them just past', () => {
    expect(verdicts({ cpuPct: 15, peakRssMb: 100 }, { cpuPct: 10, peakRssMb: 20 }).map((v) => v.met)).toEqual(
      [true, true],
    )
    expect(
      verdicts({ cpuPct: 15.1, peakRssMb: 100.4 }, { cpuPct: 10, peakRssMb: 20 }).map((v) => [
        v.value,
        v.met,
      ]),
    ).toEqual([
      ['1.51×', false],
      ['100 MB', false],
    ])
  })

  it('judges memory alone without HAProxy', () => {
    expect(verdicts({ cpuPct: 5, peakRssMb: 80 }, undefined)).toEqual([
      { target: 'peak RSS ≤ 100 MB', value: '80 MB', met: true },
    ])
  })
})
