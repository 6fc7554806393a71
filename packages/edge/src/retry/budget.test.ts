import { ManualClock } from '@nines/core'
import { describe, expect, it } from 'vitest'
import { RetryBudget } from './budget.js'

function budgetWith(activeRequests: number, options = {}) {
  const budget = new RetryBudget(options)
  for (let i = 0; i < activeRequests; i++) budget.requestStarted()
  return budget
}

/** How many retries the budget grants in a row before the first refusal. */
function grants(budget: RetryBudget): number {
  let n = 0
  while (budget.tryAcquire()) n++
  return n
}

describe('RetryBudget', () => {
  it.each([
    { active: 0, options: {}, allowed: 3 },
    { active: 10, options: {}, allowed: 3 },
    { active: 15, options: {}, allowed: 3 },
    { active: 19, options: {}, allowed: 3 },
    { active: 20, options: {}, allowed: 4 },
    { active: 24, options: {}, allowed: 4 },
    { active: 25, options: {}, allowed: 5 },
    { active: 1000, options: {}, allowed: 200 },
    { active: 100, options: { percent: 50 }, allowed: 50 },
    { active: 100, options: { percent: 0, minConcurrency: 0 }, allowed: 0 },
    { active: 5, options: { minConcurrency: 0 }, allowed: 1 },
    { active: 4, options: { minConcurrency: 0 }, allowed: 0 },
  ])('$active active requests, $options → $allowed retries at once', ({ active, options, allowed }) => {
    const budget = budgetWith(active, options)
    expect(budget.limit).toBe(allowed)
    expect(grants(budget)).toBe(allowed)
    expect(budget.activeRetries).toBe(allowed)
    expect(budget.exhausted).toBe(1)
  })

  it('gives a place back on release and counts every refusal', () => {
    const budget = budgetWith(10)
    expect([1, 2, 3, 4, 5].map(() => budget.tryAcquire())).toEqual([true, true, true, false, false])
    expect(budget.exhausted).toBe(2)
    budget.release()
    expect(budget.tryAcquire()).toBe(true)
    expect(budget.tryAcquire()).toBe(false)
    expect(budget.exhausted).toBe(3)
  })

  it('shrinks as requests finish: held retries stay, new ones wait', () => {
    const budget = budgetWith(30)
    expect(grants(budget)).toBe(6)
    for (let i = 0; i < 20; i++) budget.requestFinished()
    expect(budget.limit).toBe(3)
    budget.release()
    budget.release()
    expect(budget.tryAcquire()).toBe(false)
    budget.release()
    budget.release()
    expect(budget.activeRetries).toBe(2)
    expect(budget.tryAcquire()).toBe(true)
  })

  it('reports bad options as InvalidArgumentError naming the path', () => {
    expect(() => new RetryBudget({ percent: 101 })).toThrow(/^retry\.budget\.percent: /)
  })

  it('never counts below zero', () => {
    const budget = new RetryBudget()
    budget.release()
    budget.requestFinished()
    expect([budget.activeRetries, budget.activeRequests]).toEqual([0, 0])
  })

  describe('acquire: a retry over the budget queues for a place', () => {
    it('grants places in arrival order as retries end, so a burst is spread out, not failed', async () => {
      const clock = new ManualClock()
      const budget = budgetWith(10) // limit 3
      const results: string[] = []
      const ask = (name: string) =>
        budget.acquire(clock, 5_000).then((granted) => results.push(`${name}:${granted}`))
      const all = ['a', 'b', 'c', 'd', 'e'].map(ask)
      await Promise.resolve()
      expect(results).toEqual(['a:true', 'b:true', 'c:true'])
      expect(budget.waiting).toBe(2)
      budget.release()
      await Promise.resolve()
      expect(results).toEqual(['a:true', 'b:true', 'c:true', 'd:true'])
      expect(budget.activeRetries).toBe(3) // never more than the limit at once
      budget.release()
      await Promise.all(all)
      expect(results.at(-1)).toBe('e:true')
      expect(budget.exhausted).toBe(0)
    })

    it('refuses a retry no place frees up for within queueMs (or the deadline), and counts it', async () => {
      const clock = new ManualClock()
      const budget = budgetWith(0, { minConcurrency: 1, queueMs: 1000 })
      expect(await budget.acquire(clock, 10_000)).toBe(true)
      const late = budget.acquire(clock, 10_000)
      clock.advance(1001)
      expect(await late).toBe(false)
      const short = budget.acquire(clock, 200) // the deadline is nearer than queueMs
      clock.advance(201)
      expect(await short).toBe(false)
      expect(budget.exhausted).toBe(2)
      expect(budget.waiting).toBe(0)
      // The way back: once the retry ends, the next one gets a place at once.
      budget.release()
      expect(await budget.acquire(clock, 10_000)).toBe(true)
    })

    it('grants a waiter when more active requests raise the limit', async () => {
      const clock = new ManualClock()
      const budget = budgetWith(0, { minConcurrency: 1, percent: 10 })
      expect(await budget.acquire(clock, 5_000)).toBe(true)
      let granted = false
      void budget.acquire(clock, 5_000).then((g) => (granted = g))
      for (let i = 0; i < 20; i++) budget.requestStarted() // limit: 10 % of 20 = 2
      await Promise.resolve()
      expect(granted).toBe(true)
    })

    it('with queueMs 0 refuses at once, as Envoy does', async () => {
      const budget = budgetWith(0, { minConcurrency: 0, queueMs: 0 })
      expect(await budget.acquire(new ManualClock(), 5_000)).toBe(false)
      expect(budget.exhausted).toBe(1)
    })
  })
})
