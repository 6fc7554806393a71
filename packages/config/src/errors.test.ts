import { InvalidArgumentError, NinesError, isNinesError } from '@nines/core'
import { describe, expect, test } from 'vitest'
import { ConfigError, formatIssue } from './errors.js'

describe('formatIssue', () => {
  test.each([
    [{ path: 'a.b', message: 'required', line: 3, column: 5 }, 'f.yaml:3:5 a.b: required'],
    [{ path: 'a.b', message: 'required', line: 3 }, 'f.yaml:3 a.b: required'],
    [{ path: 'a.b', message: 'required' }, 'f.yaml a.b: required'],
    [{ path: '', message: 'duplicate key "a"', line: 2, column: 1 }, 'f.yaml:2:1: duplicate key "a"'],
    [{ path: '', message: 'cannot read: ENOENT' }, 'f.yaml: cannot read: ENOENT'],
  ])('%j', (issue, expected) => {
    expect(formatIssue('f.yaml', issue)).toBe(expected)
  })
})

describe('ConfigError', () => {
  const issues = [
    { path: 'a', message: 'required', line: 1, column: 1 },
    { path: 'b', message: 'expected number, got string "x"', line: 2, column: 4 },
  ]

  test('lists every issue, one per line, and keeps them as data', () => {
    const error = new ConfigError('NINES_ERR_CONFIG_INVALID', 'f.yaml', issues)
    expect(error.message).toBe('f.yaml:1:1 a: required\nf.yaml:2:4 b: expected number, got string "x"')
    expect(error.issues).toEqual(issues)
    expect(error.source).toBe('f.yaml')
    expect(error.code).toBe('NINES_ERR_CONFIG_INVALID')
  })

  test('keeps the cause', () => {
    const cause = new Error('boom')
    expect(new ConfigError('NINES_ERR_CONFIG_READ', 'f.yaml', [], { cause }).cause).toBe(cause)
  })

  test('is a NinesError, but not every NinesError is a ConfigError', () => {
    const error = new ConfigError('NINES_ERR_CONFIG_SYNTAX', 'f.yaml', issues)
    expect(error).toBeInstanceOf(NinesError)
    expect(isNinesError(error, 'NINES_ERR_CONFIG_SYNTAX')).toBe(true)
    expect(new NinesError('NINES_ERR_OTHER', 'x') instanceof ConfigError).toBe(false)
    expect(new InvalidArgumentError('x') instanceof ConfigError).toBe(false)
    expect({ code: 'NINES_ERR_CONFIG_SYNTAX' } instanceof ConfigError).toBe(false)
  })
})
