import { NinesError } from '@nines/core'

/** Stable codes of a {@link ConfigError}. */
export const configErrorCodes = {
  /** The file could not be read. */
  read: 'NINES_ERR_CONFIG_READ',
  /** The text is not one well-formed YAML document (syntax, duplicate keys, unresolved aliases). */
  syntax: 'NINES_ERR_CONFIG_SYNTAX',
  /** The YAML parsed but does not satisfy the schema. */
  invalid: 'NINES_ERR_CONFIG_INVALID',
  /** Watching the file's directory failed (the directory was removed, or the watch limit was hit). */
  watch: 'NINES_ERR_CONFIG_WATCH',
  /** Valid against the schema, but the application refused it (it cannot be built or applied). */
  refused: 'NINES_ERR_CONFIG_REFUSED',
} as const

export type ConfigErrorCode = (typeof configErrorCodes)[keyof typeof configErrorCodes]

/** One problem in a configuration, located in its file when the location is known (1-based). */
export interface ConfigIssue {
  /** Dotted path with `[i]` for indexes (`pools.app.endpoints[2].port`); empty for the whole document. */
  readonly path: string
  readonly message: string
  readonly line?: number
  readonly column?: number
}

const brand = Symbol.for('nines.config.error')

/**
 * A configuration that cannot be used. The message lists every issue, one per line:
 * `examples/local.yaml:14:13 pools.app.endpoints[2].port: expected 1..65535, got 70000`.
 */
export class ConfigError extends NinesError {
  declare readonly code: ConfigErrorCode
  /** Where the text came from, as given by the caller (a file name, or `<string>`). */
  readonly source: string
  readonly issues: readonly ConfigIssue[]

  constructor(
    code: ConfigErrorCode,
    source: string,
    issues: readonly ConfigIssue[],
    options?: { cause?: unknown },
  ) {
    super(code, issues.map((issue) => formatIssue(source, issue)).join('\n'), options)
    this.name = 'ConfigError'
    this.source = source
    this.issues = issues
    Object.defineProperty(this, brand, { value: true })
  }

  // NinesError's own check is inherited as a static and would accept every NinesError; narrow it.
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true
  }
}

/** `source:line:col path: message`; the location and path parts are left out when unknown or empty. */
export function formatIssue(source: string, issue: ConfigIssue): string {
  const where =
    issue.line === undefined
      ? source
      : `${source}:${issue.line}${issue.column === undefined ? '' : `:${issue.column}`}`
  return issue.path === '' ? `${where}: ${issue.message}` : `${where} ${issue.path}: ${issue.message}`
}
