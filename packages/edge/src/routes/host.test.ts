import { describe, expect, it } from 'vitest'
import { hostPatternSchema, isHostName, normalizeRequestHost } from './host.js'

describe('normalizeRequestHost', () => {
  it.each([
    ['app.nines.test', 'app.nines.test'],
    ['App.Nines.TEST', 'app.nines.test'],
    ['app.nines.test:8080', 'app.nines.test'],
    ['app.nines.test.', 'app.nines.test'],
    ['APP.nines.test.:443', 'app.nines.test'],
    ['127.0.0.1:8080', '127.0.0.1'],
    ['[::1]:8080', '[::1]'],
    ['[::1]', '[::1]'],
    ['[2001:DB8::1]:80', '[2001:db8::1]'],
    ['', ''],
  ])('%j → %j', (host, expected) => expect(normalizeRequestHost(host)).toBe(expected))

  it('returns the same string when nothing changes', () => {
    const host = 'app.nines.test'
    expect(normalizeRequestHost(host)).toBe(host)
  })
})

describe('isHostName', () => {
  it.each([
    ['app.nines.test', true],
    ['a', true],
    ['x-1.nines.test', true],
    ['192.0.2.1', true],
    ['-a.nines.test', false],
    ['a-.nines.test', false],
    ['a..test', false],
    ['.a.test', false],
    ['a_b.test', false],
    ['A.test', false],
    ['', false],
    [`${'a'.repeat(64)}.test`, false],
    [Array.from({ length: 64 }, () => 'abc').join('.'), false],
  ])('%j → %s', (name, expected) => expect(isHostName(name)).toBe(expected))
})

describe('hostPatternSchema', () => {
  it.each([
    ['App.Nines.Test.', 'app.nines.test'],
    ['*.Nines.test', '*.nines.test'],
    ['*', '*'],
  ])('%j → %j', (input, expected) => expect(hostPatternSchema.parse(input)).toBe(expected))

  it.each(['', '*.', 'a.*.test', '*nines.test', 'app nines', 'http://app.nines.test', 'app.nines.test:80'])(
    'rejects %j with the value in the message',
    (input) => {
      const result = hostPatternSchema.safeParse(input)
      expect(result.success).toBe(false)
      expect(result.error!.issues[0]!.message).toMatch(
        /^expected a host name such as app.nines.test, .*, got "/,
      )
    },
  )
})
