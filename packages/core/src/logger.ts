/**
 * The logging shape packages accept. Packages never create loggers: a daemon injects a pino child
 * logger (which fits this shape), and library users may pass nothing.
 */
export interface Logger {
  debug(fields: object, message?: string): void
  info(fields: object, message?: string): void
  warn(fields: object, message?: string): void
  error(fields: object, message?: string): void
}

const ignore = (): void => {}

export const noopLogger: Logger = { debug: ignore, info: ignore, warn: ignore, error: ignore }
