const brand = Symbol.for('nines.error')

/**
 * The one base error. `code` is stable (`NINES_ERR_*`) and safe to match on; the message is for people.
 * Expected failures (a probe that times out, an endpoint that is down) are values, not errors.
 */
export class NinesError extends Error {
  readonly code: string

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'NinesError'
    this.code = code
    Object.defineProperty(this, brand, { value: true })
  }

  // Duplicate installs of @nines/core (two copies in node_modules) still recognise each other's errors.
  // Subclasses keep ordinary prototype checks, so a NinesError is not taken for an InvalidArgumentError.
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== NinesError) return Function.prototype[Symbol.hasInstance].call(this, value)
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true
  }
}

/** A caller passed something that can never work; the message names the argument and the value. */
export class InvalidArgumentError extends NinesError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NINES_ERR_INVALID_ARGUMENT', message, options)
    this.name = 'InvalidArgumentError'
  }
}

export function isNinesError(value: unknown, code?: string): value is NinesError {
  return value instanceof NinesError && (code === undefined || value.code === code)
}
