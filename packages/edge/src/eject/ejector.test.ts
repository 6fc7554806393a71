import { ManualClock } from '@nines/core'
import { describe, expect, it } from 'vitest'
import { Ejector, type AttemptOutcome, type EjectionEvent, type ObserveResult } from './ejector.js'
import type { EjectionOptionsInput } from './options.js'

function setup(ids = ['a', 'b', 'c', 'd'], options: EjectionOptionsInput = {}) {
  const clock = new ManualClock()
  const events: EjectionEvent[] = []
  const ejector = new Ejector({
    pool: 'app',
    endpointIds: ids,
    clock,
    options,
    onEvent: (e) => events.push(e),
  })
  const run = (id: string, outcomes: readonly AttemptOutcome[]): ObserveResult[] =>
    outcomes.map((outcome) => ejector.observe({ endpointId: id, outcome }))
  return { clock, events, ejector, run }
}

const fail = (outcome: AttemptOutcome, n: number): AttemptOutcome[] => Array<AttemptOutcome>(n).fill(outcome)

describe('Ejector: which runs eject', () => {
  it.each<{ name: string; outcomes: AttemptOutcome[]; last: ObserveResult; reason?: string }>([
    { name: '5 × 5xx', outcomes: fail('5xx', 5), last: 'ejected', reason: 'consecutive-5xx' },
    { name: '4 × 5xx', outcomes: fail('5xx', 4), last: 'counted' },
    { name: 'an ok breaks the run', outcomes: [...fail('5xx', 4), 'ok', ...fail('5xx', 4)], last: 'counted' },
    {
      name: '3 × connect-failure',
      outcomes: fail('connect-failure', 3),
      last: 'ejected',
      reason: 'consecutive-gateway-failure',
    },
    { name: '2 × connect-failure', outcomes: fail('connect-failure', 2), last: 'counted' },
    {
      name: 'gateway-error, timeout, reset are gateway failures',
      outcomes: ['gateway-error', 'timeout', 'reset'],
      last: 'ejected',
      reason: 'consecutive-gateway-failure',
    },
    {
      name: 'a 5xx ends a gateway run but counts toward 5xx',
      outcomes: ['gateway-error', '5xx', 'gateway-error', '5xx', 'timeout'],
      last: 'ejected',
      reason: 'consecutive-5xx',
    },
    {
      name: 'a 5xx between gateway failures',
      outcomes: ['gateway-error', 'gateway-error', '5xx', 'gateway-error', 'gateway-error'],
      last: 'ejected',
      reason: 'consecutive-5xx',
    },
    { name: 'a 5xx ends a gateway run', outcomes: ['reset', 'reset', '5xx', 'reset'], last: 'counted' },
    {
      name: 'ok between gateway failures',
      outcomes: ['gateway-error', 'gateway-error', 'ok', 'gateway-error', 'gateway-error'],
      last: 'counted',
    },
  ])('$name → $last', ({ outcomes, last, reason }) => {
    const { events, run } = setup()
    const results = run('a', outcomes)
    expect(results.at(-1)).toBe(last)
    expect(results.slice(0, -1).every((r) => r === 'counted')).toBe(true)
    expect(events.map((e) => (e.type === 'ejected' ? e.reason : e.type))).toEqual(reason ? [reason] : [])
  })

  it.each<{ options: EjectionOptionsInput; outcomes: AttemptOutcome[]; last: ObserveResult }>([
    { options: { enabled: false }, outcomes: fail('connect-failure', 10), last: 'counted' },
    { options: { consecutiveGatewayFailure: 0 }, outcomes: fail('connect-failure', 4), last: 'counted' },
    { options: { consecutiveGatewayFailure: 0 }, outcomes: fail('connect-failure', 5), last: 'ejected' },
    { options: { consecutive5xx: 0 }, outcomes: fail('5xx', 20), last: 'counted' },
    { options: { consecutive5xx: 2 }, outcomes: fail('5xx', 2), last: 'ejected' },
  ])('options $options, $outcomes.length × $outcomes.0 → $last', ({ options, outcomes, last }) => {
    const { run } = setup(['a', 'b'], options)
    expect(run('a', outcomes).at(-1)).toBe(last)
  })
})

describe('Ejector: ejection time', () => {
  // Each ejection immediately follows the previous return: base × n, capped.
  it.each<{ options: EjectionOptionsInput; durations: number[] }>([
    { options: {}, durations: [30_000, 60_000, 90_000, 120_000] },
    {
      options: { baseEjectionTimeMs: 30_000, maxEjectionTimeMs: 100_000 },
      durations: [30_000, 60_000, 90_000, 100_000, 100_000],
    },
    { options: { baseEjectionTimeMs: 1_000, maxEjectionTimeMs: 1_000 }, durations: [1_000, 1_000, 1_000] },
  ])('grows as $durations', ({ options, durations }) => {
    const { clock, events, ejector, run } = setup(['a', 'b'], options)
    for (const duration of durations) {
      expect(run('a', fail('connect-failure', 3)).at(-1)).toBe('ejected')
      clock.advance(duration - 1)
      expect(ejector.isEjected('a')).toBe(true)
      clock.advance(1)
      expect(ejector.isEjected('a')).toBe(false)
    }
    const ejected = events.filter((e) => e.type === 'ejected')
    expect(ejected.map((e) => e.durationMs)).toEqual(durations)
    const returned = events.filter((e) => e.type === 'returned')
    expect(returned.map((e) => e.ejectedForMs)).toEqual(durations)
  })

  // Three ejections back to back, then a healthy gap, then a fourth: the count decays by one per 10 s.
  it.each([
    { gapMs: 0, duration: 120_000 },
    { gapMs: 9_999, duration: 120_000 },
    { gapMs: 10_000, duration: 90_000 },
    { gapMs: 25_000, duration: 60_000 },
    { gapMs: 30_000, duration: 30_000 },
    { gapMs: 3_600_000, duration: 30_000 },
  ])('after $gapMs ms back in the pool the next ejection lasts $duration', ({ gapMs, duration }) => {
    const { clock, events, ejector, run } = setup(['a', 'b'])
    for (const d of [30_000, 60_000, 90_000]) {
      run('a', fail('reset', 3))
      clock.advance(d)
    }
    clock.advance(gapMs)
    expect(ejector.status('a')?.timesEjected).toBe(Math.max(0, 3 - Math.floor(gapMs / 10_000)))
    run('a', fail('reset', 3))
    expect(events.filter((e) => e.type === 'ejected').at(-1)).toMatchObject({ durationMs: duration })
  })

  it('stops counting once the cap is reached, so decay brings the time down promptly', () => {
    const { clock, events, ejector, run } = setup(['a', 'b'], {
      baseEjectionTimeMs: 30_000,
      maxEjectionTimeMs: 60_000,
    })
    for (let i = 0; i < 6; i++) {
      run('a', fail('reset', 3))
      clock.advance(i === 0 ? 30_000 : 60_000)
    }
    expect(events.filter((e) => e.type === 'ejected').map((e) => e.durationMs)).toEqual([
      30_000, 60_000, 60_000, 60_000, 60_000, 60_000,
    ])
    expect(ejector.status('a')?.timesEjected).toBe(2)
    clock.advance(20_000)
    run('a', fail('reset', 3))
    expect(events.filter((e) => e.type === 'ejected').at(-1)).toMatchObject({
      durationMs: 30_000,
      timesEjected: 1,
    })
  })
})

describe('Ejector: maximum ejected share', () => {
  it.each([
    { size: 1, percent: 50, max: 0 },
    { size: 2, percent: 50, max: 1 },
    { size: 3, percent: 50, max: 1 },
    { size: 4, percent: 50, max: 2 },
    { size: 10, percent: 10, max: 1 },
    { size: 3, percent: 100, max: 3 },
    { size: 5, percent: 0, max: 0 },
  ])('$size endpoints at $percent % → at most $max ejected', ({ size, percent, max }) => {
    const ids = Array.from({ length: size }, (_, i) => `e${i}`)
    const { ejector, run, events } = setup(ids, { maxEjectionPercent: percent })
    expect(ejector.maxEjected).toBe(max)
    const last = ids.map((id) => run(id, fail('connect-failure', 3)).at(-1))
    expect(last.filter((r) => r === 'ejected')).toHaveLength(max)
    expect(last.filter((r) => r === 'kept-max-ejected')).toHaveLength(size - max)
    expect(ejector.ejectedCount).toBe(max)
    expect(events.filter((e) => e.type === 'kept')).toHaveLength(size - max)
  })

  it('keeps a failing endpoint, says so, and ejects it once room is made', () => {
    const { clock, events, ejector, run } = setup(['a', 'b', 'c', 'd'])
    run('a', fail('5xx', 5))
    clock.advance(1_000)
    run('b', fail('5xx', 5))
    expect(run('c', fail('5xx', 5))).toEqual(['counted', 'counted', 'counted', 'counted', 'kept-max-ejected'])
    expect(events.at(-1)).toEqual({
      type: 'kept',
      pool: 'app',
      endpointId: 'c',
      reason: 'consecutive-5xx',
      ejected: 2,
      maxEjected: 2,
      at: clock.now(),
    })
    // The run starts again after a refusal: the next refusal comes after another full run.
    expect(run('c', fail('5xx', 4)).every((r) => r === 'counted')).toBe(true)
    clock.advance(29_000)
    expect(ejector.isEjected('a')).toBe(false)
    expect(ejector.isEjected('b')).toBe(true)
    expect(run('c', ['5xx'])).toEqual(['ejected'])
    expect(ejector.ejectedCount).toBe(2)
  })
})

describe('Ejector: options', () => {
  it('reports bad options as InvalidArgumentError naming the path', () => {
    const make = () =>
      new Ejector({
        pool: 'app',
        endpointIds: [],
        clock: new ManualClock(),
        options: { maxEjectionPercent: 150 },
      })
    expect(make).toThrow(/^ejection\.maxEjectionPercent: /)
  })
})

describe('Ejector: return', () => {
  it('returns after its time by timer, with an event, and counts afresh', () => {
    const { clock, events, ejector, run } = setup()
    run('a', fail('timeout', 3))
    expect(ejector.status('a')).toMatchObject({ ejected: true, until: clock.now() + 30_000, timesEjected: 1 })
    clock.advance(30_000)
    expect(events.at(-1)).toEqual({
      type: 'returned',
      pool: 'app',
      endpointId: 'a',
      ejectedForMs: 30_000,
      timesEjected: 1,
      at: clock.now(),
    })
    expect(ejector.ejectedCount).toBe(0)
    expect(run('a', fail('timeout', 2))).toEqual(['counted', 'counted'])
  })

  it('returns when asked after its time even if the timer was cancelled', () => {
    const { clock, events, ejector, run } = setup()
    run('a', fail('timeout', 3))
    ejector.close()
    clock.advance(30_000)
    expect(events.filter((e) => e.type === 'returned')).toHaveLength(0)
    expect(ejector.isEjected('a')).toBe(false)
    expect(events.filter((e) => e.type === 'returned')).toHaveLength(1)
    expect(ejector.ejectedCount).toBe(0)
  })

  it('does not count attempts that finish while ejected, but hands them to the hook', () => {
    const clock = new ManualClock()
    const seen: string[] = []
    const ejector = new Ejector({
      pool: 'app',
      endpointIds: ['a', 'b'],
      clock,
      onObservation: (o) => seen.push(`${o.endpointId}:${o.outcome}`),
    })
    for (let i = 0; i < 3; i++) ejector.observe({ endpointId: 'a', outcome: 'reset' })
    expect(ejector.observe({ endpointId: 'a', outcome: 'reset' })).toBe('while-ejected')
    expect(ejector.status('a')).toMatchObject({ consecutiveGatewayFailure: 0 })
    expect(ejector.observe({ endpointId: 'zz', outcome: 'reset' })).toBe('unknown-endpoint')
    expect(seen).toEqual(['a:reset', 'a:reset', 'a:reset', 'a:reset', 'zz:reset'])
  })

  it('forgets an ejected endpoint that leaves the pool', () => {
    const { clock, events, ejector, run } = setup(['a', 'b'])
    run('a', fail('reset', 3))
    ejector.setEndpoints(['b', 'c'])
    expect(ejector.ejectedCount).toBe(0)
    expect(ejector.status('a')).toBeUndefined()
    clock.advance(30_000)
    expect(events.map((e) => e.type)).toEqual(['ejected'])
    expect(run('b', fail('reset', 3)).at(-1)).toBe('ejected')
  })
})
