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

  it('cuts the limit by 10 % after a window with a drop, whatever the latency', () => {
    const { run } = setup()
    run(1, 10, 'at-limit', true)
    expect(run(1, 10)).toBeCloseTo(18, 9)
    const before = run(1, 10, 'at-limit', true) // its first sample closed the window without a drop
    expect(run(1, 10)).toBeCloseTo(before * 0.9, 9)
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
    const { run } = setup()
    const healthy = run(20, 10)
    const shrunk = run(20, 50)
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

  it('takes a pool that got slower for good as its new baseline once the limit is at min, and grows again', () => {
    const { limit, run } = setup({ min: 4, max: 50 })
    run(20, 10)
    let lowest = Infinity
    for (let w = 0; w < 150 && limit.baselineMs !== 100; w++) lowest = Math.min(lowest, run(1, 100))
    // Ten times slower whatever the load (a slower release, not a queue): at min, that is the baseline.
    expect(limit.baselineMs).toBe(100)
    expect(lowest).toBeLessThan(5)
    expect(run(10, 100)).toBeGreaterThan(lowest + 4)
  })

  it("tolerates the router's own event-loop delay on top of the pool's latency", () => {
    const clock = new ManualClock()
    let selfDelay = 0
    const make = () => new GradientLimit(admissionLimitSchema.parse({}), clock, undefined, () => selfDelay)
    const feed = (limit: GradientLimit, rttMs: number) => {
      for (let w = 0; w < 20; w++) {
        for (let i = 0; i < 20; i++) limit.update({ rttMs, inflight: limit.limit, dropped: false })
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
    feed(congested, 10) // the same latency with an idle loop is the pool's own queue
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
