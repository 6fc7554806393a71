import { isNinesError, type EffectiveState } from '@nines/core'
import { describe, expect, it } from 'vitest'
import {
  failback,
  groupHealth,
  initialPriorityState,
  nextPriorityChangeAt,
  nextPriorityState,
  type PriorityGroupHealth,
  type PriorityState,
} from './priority.js'
import { policySchema } from './schema.js'
import type { CandidateView } from './types.js'

const auto = policySchema.parse({}).priority
const manual = policySchema.parse({ priority: { failback: 'manual' } }).priority

function g(priority: number, eligible: number, nonDrained = Math.max(eligible, 1)): PriorityGroupHealth {
  return { priority, eligible, nonDrained }
}

function view(id: string, effective: EffectiveState, priority: number): CandidateView {
  return { endpoint: { id, address: '192.0.2.1', port: 53, weight: 1, labels: {} }, effective, priority }
}

describe('groupHealth', () => {
  it('counts up and non-drained endpoints per priority, best first', () => {
    const groups = groupHealth([
      view('a', 'up', 1),
      view('b', 'down', 0),
      view('c', 'drain', 1),
      view('d', 'unknown', 1),
      view('e', 'up', 0),
    ])
    expect(groups).toEqual([
      { priority: 0, eligible: 1, nonDrained: 2 },
      { priority: 1, eligible: 1, nonDrained: 2 },
    ])
  })

  it.each([-1, 0.5, Number.NaN])('rejects priority %s', (priority) => {
    let error: unknown
    try {
      groupHealth([view('x', 'up', priority)])
    } catch (e) {
      error = e
    }
    expect(isNinesError(error, 'NINES_ERR_INVALID_ARGUMENT')).toBe(true)
    expect((error as Error).message).toContain('candidate x: priority must be an integer >= 0')
  })
})

describe('initialPriorityState', () => {
  it.each([
    [[g(0, 1), g(1, 1)], 0],
    [[g(0, 0), g(1, 2)], 1],
    [[g(2, 0), g(3, 0)], 2],
    [[], 0],
  ])('starts on the best group with an up endpoint (%j → %i)', (groups, active) => {
    const state = initialPriorityState(groups, 1000)
    expect(state.active).toBe(active)
    expect(state.since).toBe(1000)
    for (const group of groups)
      expect(state.upSince[group.priority]).toBe(group.eligible > 0 ? 1000 : undefined)
  })
})

describe('nextPriorityState', () => {
  const primary: PriorityState = { active: 0, since: 0, upSince: { 0: 0, 1: 0 } }

  it('fails over at once when the active group has no up endpoint', () => {
    const next = nextPriorityState(primary, [g(0, 0), g(1, 1)], auto, 5)
    expect(next).toEqual({ active: 1, since: 5, upSince: { 1: 0 } })
  })

  it('fails over to the best up group, even a better one still held', () => {
    const onTertiary: PriorityState = { active: 2, since: 0, upSince: { 0: 900, 2: 0 } }
    expect(nextPriorityState(onTertiary, [g(0, 1), g(1, 1), g(2, 0)], auto, 1000).active).toBe(0)
  })

  it('stays on the active group when nothing is up anywhere', () => {
    const next = nextPriorityState(primary, [g(0, 0), g(1, 0)], auto, 5)
    expect(next).toEqual({ active: 0, since: 0, upSince: {} })
  })

  it('returns the same object when nothing changed', () => {
    expect(nextPriorityState(primary, [g(0, 2), g(1, 1)], auto, 99_999)).toBe(primary)
  })

  // The primary failed at 0 and came back at 1000; the hold is 30 s.
  const onStandby = nextPriorityState(
    { active: 1, since: 0, upSince: { 1: 0 } },
    [g(0, 1), g(1, 1)],
    auto,
    1000,
  )

  it.each([
    [1000, 1],
    [15_000, 1],
    [30_999, 1],
    [31_000, 0],
    [100_000, 0],
  ])('auto: at %i the active priority is %i', (now, active) => {
    const next = nextPriorityState(onStandby, [g(0, 1), g(1, 1)], auto, now)
    expect(next.active).toBe(active)
    expect(next.since).toBe(active === 1 ? 0 : now)
  })

  it('restarts the hold when the better group flaps', () => {
    const down = nextPriorityState(onStandby, [g(0, 0), g(1, 1)], auto, 20_000)
    const back = nextPriorityState(down, [g(0, 1), g(1, 1)], auto, 25_000)
    expect(back.upSince[0]).toBe(25_000)
    expect(nextPriorityState(back, [g(0, 1), g(1, 1)], auto, 54_999).active).toBe(1)
    expect(nextPriorityState(back, [g(0, 1), g(1, 1)], auto, 55_000).active).toBe(0)
  })

  it('fails back with holdMs 0 at once', () => {
    const options = { ...auto, holdMs: 0 }
    expect(
      nextPriorityState({ active: 1, since: 0, upSince: { 1: 0 } }, [g(0, 1), g(1, 1)], options, 7).active,
    ).toBe(0)
  })

  it('manual: never fails back by itself, only by failback()', () => {
    const standby = nextPriorityState(
      { active: 1, since: 0, upSince: { 1: 0 } },
      [g(0, 1), g(1, 1)],
      manual,
      1000,
    )
    expect(nextPriorityState(standby, [g(0, 1), g(1, 1)], manual, 10_000_000).active).toBe(1)
    const back = failback(standby, 0, 2000)
    expect(back).toEqual({ active: 0, since: 2000, upSince: standby.upSince })
    expect(nextPriorityState(back, [g(0, 1), g(1, 1)], manual, 2001)).toBe(back)
  })

  it('manual: still fails over at once', () => {
    expect(nextPriorityState(primary, [g(0, 0), g(1, 1)], manual, 5).active).toBe(1)
  })

  it('fails over again after a failback to a group that is down', () => {
    const standby: PriorityState = { active: 1, since: 0, upSince: { 1: 0 } }
    const back = failback(standby, 0, 10)
    expect(nextPriorityState(back, [g(0, 0), g(1, 1)], manual, 11).active).toBe(1)
  })
})

describe('nextPriorityChangeAt', () => {
  it('is when the earliest held failback becomes due', () => {
    const state: PriorityState = { active: 2, since: 0, upSince: { 0: 5000, 1: 1000, 2: 0 } }
    expect(nextPriorityChangeAt(state, auto)).toBe(31_000)
  })

  it.each([
    ['manual failback', { active: 1, since: 0, upSince: { 0: 5000, 1: 0 } }, manual],
    ['already on the best group', { active: 0, since: 0, upSince: { 0: 0, 1: 0 } }, auto],
    ['no better group up', { active: 1, since: 0, upSince: { 1: 0 } }, auto],
  ] as const)('is undefined with %s', (_name, state, options) => {
    expect(nextPriorityChangeAt(state, options)).toBeUndefined()
  })

  it('agrees with nextPriorityState', () => {
    const groups = [g(0, 1), g(1, 1)]
    const state = nextPriorityState({ active: 1, since: 0, upSince: { 1: 0 } }, groups, auto, 4321)
    const at = nextPriorityChangeAt(state, auto)!
    expect(nextPriorityState(state, groups, auto, at - 1).active).toBe(1)
    expect(nextPriorityState(state, groups, auto, at).active).toBe(0)
  })
})

describe('failback', () => {
  const standby: PriorityState = { active: 1, since: 0, upSince: { 1: 0 } }

  it('is a no-op to the active priority', () => {
    expect(failback(standby, 1, 5)).toBe(standby)
  })

  it.each([
    [2, 'failback: priority 2 is not better than the active priority 1'],
    [-1, 'failback: toPriority must be an integer >= 0, got -1'],
    [0.5, 'failback: toPriority must be an integer >= 0, got 0.5'],
  ])('rejects %s', (to, message) => {
    expect(() => failback(standby, to, 5)).toThrow(message)
  })
})
