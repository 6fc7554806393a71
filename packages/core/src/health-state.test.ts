import { describe, expect, it } from 'vitest'
import { effectiveState, overrideActive, takesTraffic, type Override } from './health-state.js'

const now = 1_000_000
const override = (state: Override['state'], expiresAt?: number): Override => ({
  state,
  reason: 'test',
  planned: state === 'drain',
  setAt: now - 10,
  ...(expiresAt === undefined ? {} : { expiresAt }),
})

describe('effectiveState', () => {
  it.each([
    ['up', undefined, 'up'],
    ['down', undefined, 'down'],
    ['unknown', undefined, 'unknown'],
    ['up', override('drain'), 'drain'],
    ['up', override('down'), 'down'],
    ['down', override('up'), 'up'],
    ['unknown', override('up'), 'up'],
    ['up', override('down', now), 'up'],
    ['up', override('down', now + 1), 'down'],
  ] as const)('observed %s with %o is %s', (observed, o, expected) => {
    expect(effectiveState(observed, o, now)).toBe(expected)
  })

  it('an expired override is not active', () => {
    expect(overrideActive(override('drain', now - 1), now)).toBe(false)
    expect(overrideActive(undefined, now)).toBe(false)
  })

  it('only up takes new traffic', () => {
    expect(['up', 'down', 'drain', 'unknown'].map((s) => takesTraffic(s as never))).toEqual([
      true,
      false,
      false,
      false,
    ])
  })
})
