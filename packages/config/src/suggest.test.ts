import { describe, expect, test } from 'vitest'
import { closestWord, editDistance } from './suggest.js'

describe('editDistance', () => {
  test.each([
    ['', '', 0],
    ['port', 'port', 0],
    ['prot', 'port', 1],
    ['por', 'port', 1],
    ['ports', 'port', 1],
    ['kitten', 'sitting', 3],
    ['', 'abc', 3],
  ] as const)('%s ↔ %s = %i', (a, b, expected) => {
    expect(editDistance(a, b)).toBe(expected)
    expect(editDistance(b, a)).toBe(expected)
  })
})

describe('closestWord', () => {
  const known = ['port', 'address', 'weight', 'intervalMs', 'timeoutMs']
  test.each([
    ['prot', 'port'],
    ['adress', 'address'],
    ['intervalMS', 'intervalMs'],
    ['timeout', 'timeoutMs'],
    ['wieght', 'weight'],
    ['zzz', undefined],
    ['host', undefined],
  ])('%s → %s', (word, expected) => {
    expect(closestWord(word, known)).toBe(expected)
  })

  test('no candidates, no suggestion', () => {
    expect(closestWord('port', [])).toBeUndefined()
  })
})
