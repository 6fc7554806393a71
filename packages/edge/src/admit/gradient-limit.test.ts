import { ManualClock } from '@nines/core'
import { describe, expect, it } from 'vitest'
import { GradientLimit } from './gradient-limit.js'
import { admissionLimitSchema } from './options.js'

const SAMPLES_PER_WINDOW = 20

function setup(options = {}) {
  const clock = new ManualClock()
  const changes: number[] = []
  const limit = new GradientLimit(admissionLimitSchema.parse(options), clock, (l) => changes.push(l))
  /**
   * Runs `windows` windows of samples. A window is recomputed when the first sample of the next one
   * arrives, so the last window of a run is counted by the next run (or `flush`).
   */
  const run = (
    windows: number,
    rttMs: number,
    load: 'at-limit' | number = 'at-limit',
    dropped = false,
  ): number => {
    for (let w = 0; w < windows; w++) {
      for (let i = 0; i < SAMPLES_PER_WINDOW; i++) {
        const inflight = load === 'at-limit' ? limit.limit : load
        limit.update({ rttMs, inflight, dropped: dropped && i === 0 })
      }
      clock.advance(100)
    }
    return limit.estimate
  }
  return { clock, limit, changes, run }
}

describe('GradientLimit', () => {
  it('starts at initial and grows by √limit per window while latency holds at the limit', () => {
    const { limit, run } = setup()
    expect(limit.limit).toBe(20)
    run(1, 10)
    expect(run(1, 10)).toBeCloseTo(20 + Math.sqrt(20), 9)
    expect(run(10, 10)).toBeGreaterThan(64) // a cold start reaches 64 clients within about a second
  })

  it('shrinks when the RTT rises from 10 ms to 50 ms with the pool at its limit', () => {
    const { limit, run } = setup()
    run(10, 10)
    const before = run(1, 50)
    const after = run(5, 50)
    expect(after).toBeLessThan(before * 0.8)
    expect(limit.limit).toBeLessThan(Math.floor(before))
  })

  it('cuts the limit by 10 % after a window with a drop, whatever the latency, once per RTT and two windows', () => {
    const { run } = setup()
    run(1, 10, 'at-limit', true)
    expect(run(1, 10)).toBeCloseTo(18, 9) // cut at t=100; the next cut not before 100 + 10 + 200
    const grown = run(1, 10, 'at-limit', true) // its first sample closed the window without a drop (t=200)
    expect(grown).toBeCloseTo(18 + Math.sqrt(18), 9)
    expect(run(1, 10)).toBeCloseTo(grown, 9) // t=300: a drop sent under the old limit, not cut again
    const before = run(1, 10, 'at-limit', true) // t=400
    expect(run(1, 10)).toBeCloseTo(before * 0.9, 9) // t=500
  })

  it.each([
    { rttMs: 10, label: 'steady latency' },
    { rttMs: 80, label: 'high latency' },
  ])('does not move while app-limited (max in flight below half the limit), $label', ({ rttMs }) => {
    const { run, changes } = setup()
    run(1, 10, 9)
    expect(run(30, rttMs, 9)).toBe(20)
    expect(changes).toEqual([])
  })

  it('grows back after latency returns to normal with load at the limit', () => {
    const { limit, run } = setup()
    const healthy = run(20, 10)
    // A queue at the pool: 5× the RTT at this limit, falling with the limit.
    for (let w = 0; w < 20; w++) run(1, (50 * limit.limit) / healthy)
    const shrunk = limit.estimate
    expect(shrunk).toBeLessThan(healthy)
    const windowsToRecover = (() => {
      for (let w = 1; w <= 100; w++) if (run(1, 10) >= healthy) return w
      return Infinity
    })()
    expect(windowsToRecover).toBeLessThanOrEqual(60) // 6 s at 100 ms windows
  })

  it("settles near the pool's capacity under a standing overload instead of drifting up with its queue", () => {
    // A pool with 16 slots of 40 ms: beyond 16 in flight, requests queue there and the RTT grows with the limit.
    const { limit, run } = setup({ initial: 8 }) // it starts below capacity and learns the unloaded RTT
    const estimates: number[] = []
    for (let w = 0; w < 600; w++) estimates.push(run(1, 40 * Math.max(1, limit.limit / 16)))
    const settled = estimates.slice(-100)
    expect(limit.baselineMs).toBe(40)
    expect(Math.max(...settled)).toBeLessThanOrEqual(32) // RTT at most 2× unloaded
    expect(Math.min(...settled)).toBeGreaterThanOrEqual(16)
  })

  it('tells a pool 5× slower at the same slots from an overload, well above min', () => {
    // 16 slots: beyond them requests queue at the pool and the RTT grows with the limit. Demand always
    // fills the limit. After the slowdown the RTT no longer falls with the limit once it is below the slots:
    // no request sent after a cut comes within tolerance, so that RTT is the new baseline.
    const { limit, run } = setup({ initial: 8, min: 4 })
    let serviceMs = 40
    const window = () => run(1, serviceMs * Math.max(1, limit.limit / 16))
    for (let w = 0; w < 300; w++) window()
    const healthy = limit.limit
    expect(healthy).toBeGreaterThanOrEqual(16)
    serviceMs = 200
    const slow: number[] = []
    for (let w = 0; w < 50; w++) slow.push(window())
    expect(limit.baselineMs).toBeGreaterThanOrEqual(200)
    // It falls while the RTT falls with it, but stops near the slots, far above min (4), within a second.
    const lowest = Math.min(...slow)
    const lowestAt = slow.indexOf(lowest)
    expect(lowest).toBeGreaterThanOrEqual(16 * 0.75)
    expect(lowestAt).toBeLessThanOrEqual(10) // a second of 100 ms windows
    expect(Math.min(...slow.slice(lowestAt + 1))).toBeGreaterThanOrEqual(lowest)
    // Then it settles where it did while fast, relative to the slots (a small queue at the pool).
    expect(Math.max(...slow.slice(-20))).toBeLessThanOrEqual(healthy * 1.1)
    // The way back: fast again, the lowest window is the baseline at once.
    serviceMs = 40
    run(2, 40)
    expect(limit.baselineMs).toBe(40)
  })

  it('takes a pool that got slower for good (RTT not falling after a cut) as its new baseline, and grows again', () => {
    const { limit, run } = setup({ min: 4, max: 50 })
    run(20, 10)
    let lowest = Infinity
    for (let w = 0; w < 150 && limit.baselineMs !== 100; w++) lowest = Math.min(lowest, run(1, 100))
    // Ten times slower whatever the load (a slower release, not a queue): once the limit was cut and the
    // requests sent since are no faster, that is the baseline, long before min.
    expect(limit.baselineMs).toBe(100)
    expect(lowest).toBeLessThanOrEqual(50 * (2 / 3) + 1)
    expect(lowest).toBeGreaterThan(20)
    expect(run(10, 100)).toBeGreaterThan(lowest + 4)
  })

  it("tolerates the router's own event-loop delay on top of the pool's latency", () => {
    const clock = new ManualClock()
    let selfDelay = 0
    const make = () => new GradientLimit(admissionLimitSchema.parse({}), clock, undefined, () => selfDelay)
    const feed = (limit: GradientLimit, rttMs: number | ((limit: number) => number)) => {
      for (let w = 0; w < 20; w++) {
        const rtt = typeof rttMs === 'number' ? rttMs : rttMs(limit.limit)
        for (let i = 0; i < 20; i++) limit.update({ rttMs: rtt, inflight: limit.limit, dropped: false })
        clock.advance(100)
      }
    }
    const busyRouter = make()
    feed(busyRouter, 0.5) // a pool answering in half a millisecond
    const before = busyRouter.limit
    selfDelay = 5 // the router's loop runs 5 ms late: every sample carries it
    feed(busyRouter, 10)
    expect(busyRouter.limit).toBeGreaterThanOrEqual(before)
    selfDelay = 0
    const congested = make()
    feed(congested, 0.5)
    const grown = congested.limit
    // The same latency with an idle loop is the pool's own queue (it falls with the limit).
    feed(congested, (l) => (10 * l) / grown)
    expect(congested.limit).toBeLessThan(grown)
  })

  it('stays within min and max', () => {
    const low = setup({ min: 15 })
    for (let i = 0; i < 10; i++) low.run(1, 10, 'at-limit', true)
    expect(low.limit.estimate).toBe(15)
    const high = setup({ max: 22 })
    expect(high.run(50, 10)).toBe(22)
  })

  it('reports only integer changes, never per sample', () => {
    const { run, changes, limit } = setup()
    run(40, 10)
    run(20, 60)
    expect(changes.length).toBeGreaterThan(3)
    expect(changes.length).toBeLessThan(60)
    for (let i = 1; i < changes.length; i++) expect(changes[i]).not.toBe(changes[i - 1])
    expect(changes.at(-1)).toBe(limit.limit)
  })

  it('uses sample time only: arms no timer, and an idle pool keeps its limit', () => {
    const { clock, limit, run } = setup()
    run(3, 10)
    const kept = limit.estimate
    clock.advance(60_000)
    expect(limit.estimate).toBe(kept)
    expect(clock.pendingTimers).toBe(0)
  })

  it('keeps its estimate on setOptions, clamped to the new bounds', () => {
    const { limit, changes } = setup({ initial: 50 })
    limit.setOptions(admissionLimitSchema.parse({ initial: 20, max: 30 }))
    expect(limit.limit).toBe(30)
    expect(changes).toEqual([30])
    limit.setOptions(admissionLimitSchema.parse({ max: 100 }))
    expect(limit.limit).toBe(30)
  })
})
