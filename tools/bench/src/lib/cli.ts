// Flag parsing shared by the benches: node:util's parseArgs with its errors as InvalidArgumentError, and the
// value checks every bench repeats.
import { InvalidArgumentError } from '@nines/core'

/** Runs node:util's `parseArgs`; an unknown option or a missing value (it says which) becomes an InvalidArgumentError. */
export function parseFlags<T>(parse: () => T): T {
  try {
    return parse()
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message, { cause: error })
  }
}

/** A comma-separated list, blanks dropped. */
export const list = (text: string): string[] =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)

export function positive(name: string, text: string | undefined): number {
  const value = Number(text)
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidArgumentError(`--${name} must be a positive integer, got ${text}`)
  }
  return value
}

export function oneOf<T extends string>(name: string, text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) {
    throw new InvalidArgumentError(`--${name}: unknown ${text} (one of ${allowed.join(', ')})`)
  }
  return text as T
}

/** `--quiet-seconds` as milliseconds: how long a bench waits at most for other processes to quiet down. */
export function quietMs(text: string | undefined): number {
  const seconds = Number(text)
  if (!(seconds >= 0)) throw new InvalidArgumentError(`--quiet-seconds must be ≥ 0, got ${text}`)
  return seconds * 1000
}
