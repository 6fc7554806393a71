// Browser-safe: this entry imports nothing of ours, so a page can load dist/ as plain ES modules. The brand
// is @nines/core's, so `isNinesError(err, code)` recognises these errors in Node code that has core.
const brand = Symbol.for('nines.error')

/** An error with a stable code (`NINES_ERR_*`); the message is for people. */
export class ClientError extends Error {
  readonly code: string

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ClientError'
    this.code = code
    Object.defineProperty(this, brand, { value: true })
  }
}

/** NINES_ERR_NO_NAMESERVER: no nameserver answered in time and no stale copy was young enough. */
export class NoNameserverError extends ClientError {
  /** Each nameserver asked, with why it gave no usable answer. */
  readonly failures: readonly { readonly nameserver: string; readonly error: string }[]

  constructor(
    name: string,
    type: string,
    failures: readonly { readonly nameserver: string; readonly error: string }[],
  ) {
    const each = failures.map((f) => `${f.nameserver}: ${f.error}`).join('; ')
    super('NINES_ERR_NO_NAMESERVER', `${name} ${type}: no nameserver answered (${each || 'none configured'})`)
    this.name = 'NoNameserverError'
    this.failures = failures
  }
}

/** NINES_ERR_BAD_ANSWER: a nameserver's reply could not be used (malformed, mismatched, an error status). */
export class BadAnswerError extends ClientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NINES_ERR_BAD_ANSWER', message, options)
    this.name = 'BadAnswerError'
  }
}

/** NINES_ERR_INVALID_ARGUMENT, as @nines/core's InvalidArgumentError: the message names the option and value. */
export class ClientArgumentError extends ClientError {
  constructor(message: string) {
    super('NINES_ERR_INVALID_ARGUMENT', message)
    this.name = 'InvalidArgumentError'
  }
}
