import { describe, expect, it } from 'vitest'
import { changedPaths } from './changed-paths.js'

describe('changedPaths', () => {
  it.each([
    ['equal values', { a: 1, b: [1, 2] }, { a: 1, b: [1, 2] }, []],
    ['a leaf', { a: 1, b: { c: 2 } }, { a: 1, b: { c: 3 } }, ['x.b.c']],
    ['an array is one value', { listen: ['a', 'b'] }, { listen: ['a'] }, ['x.listen']],
    ['added and removed keys', { a: 1 }, { b: 1 }, ['x.a', 'x.b']],
    ['a whole object replaced by a scalar', { a: { b: 1 } }, { a: 2 }, ['x.a']],
    [
      'several, in key order',
      { a: 1, d: { e: 1, f: 2 } },
      { a: 2, d: { e: 3, f: 4 } },
      ['x.a', 'x.d.e', 'x.d.f'],
    ],
  ])('%s', (_name, before, after, expected) => {
    expect(changedPaths(before, after, 'x')).toEqual(expected)
  })
})
