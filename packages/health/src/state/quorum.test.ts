import { isNinesError, type ObservedState } from '@nines/core'
import { describe, expect, it } from 'vitest'
import { Quorum, quorumSchema, type QuorumConfigInput } from './quorum.js'

const id = 'app/10.0.0.1:80'
const states: readonly ObservedState[] = ['up', 'down', 'unknown']
const abc = ['a', 'b', 'c']

function quorum(config: QuorumConfigInput, verdicts: Record<string, ObservedState>, at = 0): Quorum {
  const q = new Quorum(config)
  for (const [observer, observed] of Object.entries(verdicts))
    q.accept({ observer, endpointId: id, observed, at })
  return q
}

describe('quorumSchema', () => {
  it('defaults to 1 of whoever reports, stale after 30 s', () => {
    expect(quorumSchema.parse({})).toEqual({ required: 1, staleAfterMs: 30_000 })
  })

  it.each([
    [
      { required: 3, observers: ['a', 'b'] },
      'quorum.required: expected at most 2 (the number of observers), got 3',
    ],
    [{ observers: ['a', 'a'] }, 'quorum.observers: expected unique observer names'],
  ])('rejects %o', (config, message) => {
    let caught: unknown
    try {
      new Quorum(config)
    } catch (error) {
      caught = error
    }
    expect(isNinesError(caught, 'NINES_ERR_INVALID_ARGUMENT')).toBe(true)
    expect((caught as Error).message).toBe(message)
  })
})

describe('Quorum.decide: k of n fresh verdicts', () => {
  it.each([
    // k, verdicts (missing observers are absent), observed, reason
    [2, { a: 'up', b: 'up', c: 'down' }, 'up', 'quorum: 2/3 up'],
    [2, { a: 'up', b: 'down', c: 'down' }, 'down', 'quorum: 2/3 down'],
    [2, { a: 'up', b: 'down', c: 'unknown' }, 'unknown', 'no quorum: 1/3 up, need 2'],
    [2, { a: 'up', b: 'up' }, 'up', 'quorum: 2/3 up'],
    [2, { a: 'down', b: 'down' }, 'down', 'quorum: 2/3 down'],
    // One down with one silent observer: k ups are still reachable, nothing to hold yet.
    [2, { a: 'down' }, 'unknown', 'hold unknown: 0 stale, 2 missing'],
    // Route 53 style "any checker healthy".
    [1, { a: 'up', b: 'down', c: 'down' }, 'up', 'quorum: 1/3 up'],
    [1, { a: 'down', b: 'down', c: 'down' }, 'down', 'quorum: 3/3 down'],
    [1, { a: 'down', b: 'down' }, 'unknown', 'hold unknown: 0 stale, 1 missing'],
    // Unanimity.
    [3, { a: 'up', b: 'up', c: 'down' }, 'down', 'quorum: 1/3 down'],
    [3, { a: 'up', b: 'up', c: 'up' }, 'up', 'quorum: 3/3 up'],
  ] as const)('k=%i of a,b,c with %o → %s', (required, verdicts, observed, reason) => {
    const decision = quorum({ required, observers: abc }, verdicts).decide(id, 1000)
    expect(decision).toMatchObject({ observed, reason })
    const values = Object.values(verdicts as Record<string, ObservedState>)
    expect(decision).toMatchObject({
      up: values.filter((v) => v === 'up').length,
      down: values.filter((v) => v === 'down').length,
      unknown: values.filter((v) => v === 'unknown').length,
      stale: 0,
      missing: 3 - values.length,
    })
  })

  it('without an expected set, n is the observers heard from, at least k', () => {
    const q = quorum({ required: 2 }, { a: 'up' })
    expect(q.decide(id, 0)).toMatchObject({ observed: 'unknown', missing: 1, held: true })
    q.accept({ observer: 'b', endpointId: id, observed: 'up', at: 0 })
    expect(q.decide(id, 0)).toMatchObject({ observed: 'up', reason: 'quorum: 2/2 up' })
    q.accept({ observer: 'c', endpointId: id, observed: 'down', at: 0 })
    expect(q.decide(id, 0)).toMatchObject({ observed: 'up', reason: 'quorum: 2/3 up' })
  })

  it('an endpoint nobody reported on is unknown', () => {
    expect(new Quorum({ required: 2, observers: abc }).decide('other', 0).observed).toBe('unknown')
  })
})

describe('Quorum: stale verdicts', () => {
  it('a verdict older than staleAfterMs is counted as stale, not by its state', () => {
    const q = quorum({ required: 2, observers: abc, staleAfterMs: 30_000 }, { a: 'up', b: 'up', c: 'up' })
    expect(q.decide(id, 30_000)).toMatchObject({ up: 3, stale: 0 })
    expect(q.decide(id, 30_001)).toMatchObject({ up: 0, stale: 3 })
  })

  it('while the fresh verdicts cannot decide, the last answer holds; fresh verdicts then decide', () => {
    const q = quorum({ required: 2, observers: abc }, { a: 'up', b: 'up', c: 'down' })
    // b and c re-send; a goes quiet.
    q.accept({ observer: 'b', endpointId: id, observed: 'up', at: 20_000 })
    q.accept({ observer: 'c', endpointId: id, observed: 'down', at: 20_000 })
    expect(q.decide(id, 31_000)).toMatchObject({
      observed: 'up',
      held: true,
      up: 1,
      down: 1,
      stale: 1,
      reason: 'hold up: 1 stale, 0 missing',
    })
    q.accept({ observer: 'b', endpointId: id, observed: 'down', at: 32_000 })
    expect(q.decide(id, 32_000)).toMatchObject({ observed: 'down', held: false, reason: 'quorum: 2/3 down' })
  })

  // Every combination of three verdicts, every k, every observer going quiet: the answer never moves.
  const cases = states.flatMap((a) =>
    states.flatMap((b) =>
      states.flatMap((c) => [1, 2, 3].flatMap((k) => abc.map((quiet) => ({ a, b, c, k, quiet })))),
    ),
  )
  it.each(cases)('one stale observer never changes the answer: $a $b $c, k=$k, $quiet quiet', (v) => {
    const q = quorum({ required: v.k, observers: abc }, { a: v.a, b: v.b, c: v.c })
    const before = q.decide(id, 0).observed
    for (const o of abc) {
      if (o !== v.quiet)
        q.accept({ observer: o, endpointId: id, observed: v[o as 'a' | 'b' | 'c'], at: 25_000 })
    }
    const after = q.decide(id, 31_000)
    expect(after.stale).toBe(1)
    expect(after.observed).toBe(before)
  })

  it.each([{ observers: ['local'] }, {}])(
    'a lone local observer (k=1, n=1, %o) behaves like no quorum',
    (config) => {
      const q = new Quorum({ required: 1, ...config, staleAfterMs: 10_000 })
      const local: [ObservedState, number][] = [
        ['unknown', 0],
        ['up', 1000],
        ['down', 50_000],
        ['up', 200_000],
        ['unknown', 900_000],
      ]
      for (const [observed, at] of local) {
        q.accept({ observer: 'local', endpointId: id, observed, at })
        // Right away, and long after the verdict went stale, the answer is the local state.
        for (const later of [at, at + 9_999, at + 10_001, at + 40_000])
          expect(q.decide(id, later).observed).toBe(observed)
      }
    },
  )
})

describe('Quorum.accept: replacement and ordering', () => {
  it('a newer verdict replaces the older one; an older one is dropped', () => {
    const q = new Quorum({ required: 1, observers: ['a'] })
    expect(q.accept({ observer: 'a', endpointId: id, observed: 'up', at: 100 })).toBe(true)
    expect(q.accept({ observer: 'a', endpointId: id, observed: 'down', at: 200 })).toBe(true)
    expect(q.decide(id, 200).observed).toBe('down')
    // Arrives late: dropped, the newer verdict stands.
    expect(q.accept({ observer: 'a', endpointId: id, observed: 'up', at: 150 })).toBe(false)
    expect(q.decide(id, 200).observed).toBe('down')
    // Same time: the later call wins.
    expect(q.accept({ observer: 'a', endpointId: id, observed: 'up', at: 200 })).toBe(true)
    expect(q.decide(id, 200).observed).toBe('up')
  })

  it('verdicts are kept per endpoint', () => {
    const q = new Quorum({ required: 1, observers: ['a'] })
    q.accept({ observer: 'a', endpointId: 'x', observed: 'up', at: 0 })
    q.accept({ observer: 'a', endpointId: 'y', observed: 'down', at: 0 })
    expect([q.decide('x', 0).observed, q.decide('y', 0).observed]).toEqual(['up', 'down'])
  })

  it('ignores an observer outside the expected set', () => {
    const q = new Quorum({ required: 1, observers: ['a'] })
    expect(q.accept({ observer: 'z', endpointId: id, observed: 'up', at: 0 })).toBe(false)
    expect(q.decide(id, 0)).toMatchObject({ observed: 'unknown', missing: 1 })
  })

  it('forget drops the verdicts and the held answer', () => {
    const q = quorum({ required: 1, observers: ['a'] }, { a: 'up' })
    q.forget(id)
    expect(q.decide(id, 0)).toMatchObject({ observed: 'unknown', up: 0, missing: 1 })
  })

  it('throws on a verdict time that is not a number', () => {
    const q = new Quorum({})
    expect(() => q.accept({ observer: 'a', endpointId: id, observed: 'up', at: Number.NaN })).toThrow(
      /verdict\.at/,
    )
  })
})
