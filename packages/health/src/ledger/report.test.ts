import { describe, expect, it } from 'vitest'
import { meanTimeBetweenFailuresMs, meanTimeToRecoverMs, type IncidentReport } from './report.js'

const MIN = 60_000

function incident(startMin: number, endMin: number | undefined, planned = false): IncidentReport {
  const end = endMin === undefined ? undefined : endMin * MIN
  return { start: startMin * MIN, end, durationMs: ((endMin ?? 100) - startMin) * MIN, planned, reason: 'x' }
}

describe('MTTR and MTBF', () => {
  it('average closed unplanned incidents and the up-time between them', () => {
    const incidents = [incident(0, 2), incident(12, 16), incident(20, 25, true), incident(36, 42)]
    expect(meanTimeToRecoverMs(incidents)).toBe(4 * MIN)
    // Gaps: 2→12 is 10 min; 16→36 is 20 min less 5 min of planned work.
    expect(meanTimeBetweenFailuresMs(incidents)).toBe(12.5 * MIN)
  })

  it('leave out planned incidents and open ones from MTTR', () => {
    const incidents = [incident(0, 10, true), incident(20, 23), incident(30, undefined)]
    expect(meanTimeToRecoverMs(incidents)).toBe(3 * MIN)
    expect(meanTimeBetweenFailuresMs(incidents)).toBe(7 * MIN)
  })

  it('are undefined without enough incidents', () => {
    expect(meanTimeToRecoverMs([incident(0, 5, true)])).toBeUndefined()
    expect(meanTimeBetweenFailuresMs([incident(0, 5), incident(10, 15, true)])).toBeUndefined()
  })
})
