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
})
