import { describe, expect, it } from 'vitest'
import { ManualClock, systemClock } from './clock.js'

describe('ManualClock', () => {
  it('fires due timers in time order, then insertion order', () => {
    const clock = new ManualClock(0)
    const fired: string[] = []
    clock.setTimeout(() => fired.push('b@20'), 20)
    clock.setTimeout(() => fired.push('a@10'), 10)
    clock.setTimeout(() => fired.push('c@10'), 10)
    clock.advance(15)
    expect(fired).toEqual(['a@10', 'c@10'])
    expect(clock.now()).toBe(15)
    clock.advance(5)
    expect(fired).toEqual(['a@10', 'c@10', 'b@20'])
  })

  it('fires timers scheduled by timers within the same advance, at their own time', () => {
    const clock = new ManualClock(0)
    const at: number[] = []
    const tick = () => {
      at.push(clock.now())
      if (at.length < 5) clock.setTimeout(tick, 100)
    }
    clock.setTimeout(tick, 100)
    clock.advance(1000)
    expect(at).toEqual([100, 200, 300, 400, 500])
    expect(clock.pendingTimers).toBe(0)
  })

  it('does not fire cancelled timers', () => {
    const clock = new ManualClock(0)
    let fired = false
    clock.setTimeout(() => (fired = true), 10).cancel()
    clock.advance(100)
    expect(fired).toBe(false)
  })
})

describe('systemClock', () => {
  it('runs callbacks on real timers and cancels them', async () => {
    const clock = systemClock({ unref: true })
    const before = clock.now()
    expect(Math.abs(before - Date.now())).toBeLessThan(1000)
    let cancelled = false
    clock.setTimeout(() => (cancelled = true), 1).cancel()
    await new Promise<void>((resolve) => clock.setTimeout(resolve, 5))
    expect(cancelled).toBe(false)
  })
})
