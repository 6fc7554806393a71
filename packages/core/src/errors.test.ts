import { describe, expect, it } from 'vitest'
import { InvalidArgumentError, NinesError, isNinesError } from './errors.js'

describe('NinesError', () => {
  it('carries a stable code, a message and a cause', () => {
    const cause = new Error('boom')
    const error = new NinesError('NINES_ERR_TEST', 'it failed', { cause })
    expect(error).toBeInstanceOf(Error)
    expect(error.code).toBe('NINES_ERR_TEST')
    expect(error.message).toBe('it failed')
    expect(error.cause).toBe(cause)
    expect(isNinesError(error, 'NINES_ERR_TEST')).toBe(true)
    expect(isNinesError(error, 'NINES_ERR_OTHER')).toBe(false)
  })

  it('subclasses keep their code and are NinesErrors', () => {
    const error = new InvalidArgumentError('Expected `port` to be 1..65535, got 70000')
    expect(error).toBeInstanceOf(NinesError)
    expect(error.code).toBe('NINES_ERR_INVALID_ARGUMENT')
    expect(error.name).toBe('InvalidArgumentError')
    expect(new NinesError('NINES_ERR_X', 'other')).not.toBeInstanceOf(InvalidArgumentError)
  })

  it('recognises errors by brand, not by class identity (duplicate installs)', () => {
    const foreign = Object.assign(new Error('x'), { code: 'NINES_ERR_X' })
    Object.defineProperty(foreign, Symbol.for('nines.error'), { value: true })
    expect(foreign).toBeInstanceOf(NinesError)
    expect(new Error('plain')).not.toBeInstanceOf(NinesError)
    expect(isNinesError('string')).toBe(false)
  })
})
