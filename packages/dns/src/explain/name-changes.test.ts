import { describe, expect, it } from 'vitest'
import type { NameReport, NameState } from '../answers/types.js'
import { nameChanges } from './name-changes.js'

function report(name: string, state: NameState, failedOpen = false): NameReport {
  return {
    name,
    pool: 'app',
    policy: 'all',
    state,
    reason: `${name} is ${state}`,
    steps: [],
    failedOpen,
    panic: state === 'panic',
    activePriority: 0,
    ttlSec: 5,
    ttlRule: state === 'healthy' ? 'normal' : state,
    counts: { up: 1, down: 0, drain: 0 },
    answer: [],
    endpoints: [],
    localities: [],
  }
}

describe('nameChanges', () => {
  it.each<{
    name: string
    before: NameReport[] | undefined
    after: NameReport[]
    changes: [string, NameState | undefined, NameState, boolean][]
  }>([
    {
      name: 'the first build reports every name',
      before: undefined,
      after: [report('a', 'healthy'), report('b', 'degraded')],
      changes: [
        ['a', undefined, 'healthy', false],
        ['b', undefined, 'degraded', false],
      ],
    },
    {
      name: 'nothing changed',
      before: [report('a', 'healthy')],
      after: [report('a', 'healthy')],
      changes: [],
    },
    {
      name: 'each state change, in the order of after',
      before: [report('a', 'healthy'), report('b', 'degraded'), report('c', 'panic')],
      after: [report('c', 'all-down', true), report('b', 'healthy'), report('a', 'panic')],
      changes: [
        ['c', 'panic', 'all-down', true],
        ['b', 'degraded', 'healthy', false],
        ['a', 'healthy', 'panic', false],
      ],
    },
    {
      name: 'fail-open starts in the same state (a reload changed the all-down policy)',
      before: [report('a', 'all-down', false)],
      after: [report('a', 'all-down', true)],
      changes: [['a', 'all-down', 'all-down', true]],
    },
    {
      name: 'an added name, a removed name',
      before: [report('gone', 'healthy')],
      after: [report('new', 'degraded')],
      changes: [['new', undefined, 'degraded', false]],
    },
  ])('$name', ({ before, after, changes }) => {
    const got = nameChanges(before, after)
    expect(got.map((c) => [c.name, c.from, c.to, c.failedOpen])).toEqual(changes)
    for (const change of got) expect(change.reason).toBe(`${change.name} is ${change.to}`)
  })
})
