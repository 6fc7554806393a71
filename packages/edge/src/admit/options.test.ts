import { describe, expect, it } from 'vitest'
import { admissionSchema, parseAdmissionOptions } from './options.js'

describe('admissionSchema', () => {
  it('fills every default from nothing', () => {
    expect(admissionSchema.parse({})).toEqual({
      enabled: true,
      limit: {
        initial: 20,
        min: 4,
        max: 1000,
        tolerance: 1.25,
        smoothing: 0.2,
        windowMs: 100,
      },
      shares: { critical: 0.5, normal: 0.3 },
      queue: { maxLength: 100, targetMs: 20, intervalMs: 100 },
    })
  })

  it('is usable as a nested field with .prefault({})', () => {
    const parent = admissionSchema.prefault({})
    expect(parent.parse(undefined).limit.initial).toBe(20)
  })

  it.each([
    {
      input: { limit: { initial: 2 } },
      message: /^admission\.limit\.initial: expected between min \(4\) and max \(1000\), got 2$/,
    },
    {
      input: { limit: { min: 50, max: 10, initial: 20 } },
      message: /^admission\.limit\.min: expected at most max \(10\), got 50$/,
    },
    { input: { limit: { smoothing: 0 } }, message: /^admission\.limit\.smoothing: / },
    { input: { limit: { tolerance: 0.9 } }, message: /^admission\.limit\.tolerance: / },
    {
      input: { shares: { critical: 0.8, normal: 0.3 } },
      message: /^admission\.shares: critical \+ normal must not exceed 1$/,
    },
    { input: { shares: { sheddable: 0.1 } }, message: /^admission\.shares: / },
    {
      input: { queue: { targetMs: 200 } },
      message: /^admission\.queue\.targetMs: expected at most intervalMs$/,
    },
    { input: { queue: { maxLength: -1 } }, message: /^admission\.queue\.maxLength: / },
  ])('refuses $input naming the path', ({ input, message }) => {
    expect(() => parseAdmissionOptions(input as never)).toThrow(message)
  })
})
