import { isNinesError, seededRng, type Endpoint } from '@nines/core'
import { describe, expect, it } from 'vitest'
import type { PriorityState } from './priority.js'
import { policySchema } from './schema.js'
import type { CandidateView } from './types.js'
import { variants } from './variants.js'

const start: PriorityState = { active: 0, since: 0, upSince: { 0: 0 } }

function v(id: string, weight = 1, effective: CandidateView['effective'] = 'up'): CandidateView {
  return { endpoint: { id, address: '192.0.2.1', port: 80, weight, labels: {} }, effective, priority: 0 }
}

const names = (ordering: readonly Endpoint[]) => ordering.map((e) => e.id).join('')

describe('variants: all', () => {
  it.each([
    [5, 8, 5],
    [4, 4, 4],
    [3, 8, 3],
    [8, 8, 8],
    [1, 8, 1],
  ])('%i endpoints, count %i: %i distinct rotations, each endpoint first once', (size, count, expected) => {
    const candidates = 'abcdefgh'
      .slice(0, size)
      .split('')
      .map((id) => v(id))
    const { orderings, selection } = variants(
      candidates,
      {},
      policySchema.parse({}),
      start,
      seededRng(1),
      0,
      count,
    )
    expect(orderings).toHaveLength(expected)
    expect(new Set(orderings.map(names)).size).toBe(expected)
    const firsts = orderings.map((o) => o[0]!.id)
    expect(new Set(firsts).size).toBe(size)
    const doubled = names(candidates.map((c) => c.endpoint)).repeat(2)
    for (const ordering of orderings) expect(doubled).toContain(names(ordering))
    expect(selection.endpoints).toEqual(orderings[0])
  })

  it('with more endpoints than variants, leading endpoints are evenly spaced and capped', () => {
    const candidates = 'abcdefghijklmnop'.split('').map((id) => v(id))
    const { orderings } = variants(
      candidates,
      {},
      policySchema.parse({ maxAnswers: 3 }),
      start,
      seededRng(1),
      0,
      8,
    )
    expect(orderings.map(names)).toEqual(['abc', 'cde', 'efg', 'ghi', 'ijk', 'klm', 'mno', 'opa'])
  })

  it('each endpoint leads equally often when the server rotates through them', () => {
    const candidates = 'abc'.split('').map((id) => v(id))
    const { orderings } = variants(candidates, {}, policySchema.parse({}), start, seededRng(1), 0, 8)
    const leads = new Map<string, number>()
    for (let query = 0; query < 300; query++) {
      const first = orderings[query % orderings.length]![0]!.id
      leads.set(first, (leads.get(first) ?? 0) + 1)
    }
    expect([...leads.values()]).toEqual([100, 100, 100])
  })
})

describe('variants: weighted', () => {
  it('the leading endpoint shares follow a 3:1 weighting', () => {
    const candidates = [v('a', 3), v('b', 1)]
    const options = policySchema.parse({ kind: 'weighted' })
    for (const seed of [1, 2, 3, 4, 5]) {
      const { orderings } = variants(candidates, {}, options, start, seededRng(seed), 0, 64)
      expect(orderings).toHaveLength(64)
      const share = orderings.filter((o) => o[0]!.id === 'a').length / orderings.length
      expect(share).toBeGreaterThan(0.7)
      expect(share).toBeLessThan(0.8)
      for (const ordering of orderings) expect(ordering).toHaveLength(1)
    }
  })

  it('shares hold for uneven weights with few variants', () => {
    const candidates = [v('a', 1), v('b', 2), v('c', 5)]
    const options = policySchema.parse({ kind: 'weighted', maxAnswers: 2 })
    const { orderings } = variants(candidates, {}, options, start, seededRng(9), 0, 8)
    const leads = (id: string) => orderings.filter((o) => o[0]!.id === id).length
    expect(leads('a')).toBeLessThanOrEqual(2)
    expect(leads('b')).toBeGreaterThanOrEqual(1)
    expect(leads('b')).toBeLessThanOrEqual(3)
    expect(leads('c')).toBeGreaterThanOrEqual(4)
    expect(leads('c')).toBeLessThanOrEqual(6)
    for (const ordering of orderings) expect(new Set(ordering.map((e) => e.id)).size).toBe(2)
  })

  it('a single endpoint gives a single ordering', () => {
    const options = policySchema.parse({ kind: 'weighted' })
    expect(
      variants([v('a'), v('b', 1, 'down'), v('c', 1, 'drain')], {}, options, start, seededRng(1), 0)
        .orderings,
    ).toHaveLength(1)
  })
})

describe('variants', () => {
  it('has no orderings when there is nothing to answer', () => {
    const options = policySchema.parse({ allDown: 'servfail' })
    const result = variants([v('a', 1, 'down')], {}, options, start, seededRng(1), 0)
    expect(result.orderings).toEqual([])
    expect(result.selection).toMatchObject({ endpoints: [], outcome: 'all-down', allDownAction: 'servfail' })
  })

  it('carries the selection metadata', () => {
    const options = policySchema.parse({})
    const result = variants([v('a'), v('b', 1, 'down')], {}, options, start, seededRng(1), 0)
    expect(result.selection).toMatchObject({ outcome: 'degraded', ttlSec: 5, reason: 'priority 0: 1/2 up' })
  })

  it.each([0, -1, 1.5])('rejects count %s', (count) => {
    let error: unknown
    try {
      variants([v('a')], {}, policySchema.parse({}), start, seededRng(1), 0, count)
    } catch (e) {
      error = e
    }
    expect(isNinesError(error, 'NINES_ERR_INVALID_ARGUMENT')).toBe(true)
  })
})
