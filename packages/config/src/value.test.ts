import { describe, expect, test } from 'vitest'
import { maxValueChars, showTyped, showValue } from './value.js'

describe('showValue', () => {
  test.each([
    ['80', '"80"'],
    [70000, '70000'],
    [Number.NaN, 'NaN'],
    [true, 'true'],
    [null, 'null'],
    [undefined, 'undefined'],
    [10n, '10n'],
    [[1, 2], '[1,2]'],
    [{ prot: 1 }, '{"prot":1}'],
    [new Date(0), '1970-01-01T00:00:00.000Z'],
    [new Uint8Array(3), '<3 bytes>'],
  ])('%s → %s', (value, expected) => {
    expect(showValue(value)).toBe(expected)
  })

  test('long strings are cut and keep their closing quote', () => {
    const shown = showValue('x'.repeat(100))
    expect(shown).toHaveLength(maxValueChars + 1)
    expect(shown).toMatch(/^"x+…"$/)
  })

  test('long objects are cut', () => {
    const shown = showValue({ list: Array.from({ length: 50 }, (_, i) => i) })
    expect(shown).toHaveLength(maxValueChars)
    expect(shown.startsWith('{"list":[0,1,2')).toBe(true)
    expect(shown.endsWith('…')).toBe(true)
  })

  test('cycles do not throw', () => {
    const loop: Record<string, unknown> = {}
    loop.self = loop
    expect(showValue(loop)).toBe('{…}')
  })
})

describe('showTyped', () => {
  test.each([
    ['80', 'string "80"'],
    [1.5, 'number 1.5'],
    [false, 'boolean false'],
    [null, 'null'],
    [[1], 'array [1]'],
    [{ a: 1 }, 'object {"a":1}'],
  ])('%j → %s', (value, expected) => {
    expect(showTyped(value)).toBe(expected)
  })
})
