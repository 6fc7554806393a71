import { hostname } from 'node:os'
import { InvalidArgumentError } from '@nines/core'
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino'
import { logLevels, type LogLevel } from './schema.js'

export type Logger = PinoLogger

export interface LoggerOptions {
  /** The daemon, e.g. `nines-dns`; every line carries it as `name`. */
  name: string
  level?: LogLevel
  /** A pino destination stream, or a file descriptor; stdout by default. */
  destination?: DestinationStream | number
  /** Fields on every line, e.g. `{ instance: 'ns1' }`; `pid` and `hostname` are kept unless overridden. */
  base?: Record<string, unknown>
}

const secretKeys = ['authorization', 'token']

// Secrets are redacted up to three levels deep, so `log.info({ config })` cannot leak `config.admin.token`.
const redactPaths = secretKeys.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`])

/** The one logger of a daemon: JSON lines with ISO timestamps. Packages take a child of it, never create one. */
export function createLogger({ name, level = 'info', destination, base = {} }: LoggerOptions): Logger {
  if (!(logLevels as readonly string[]).includes(level)) {
    throw new InvalidArgumentError(
      `Expected \`level\` to be one of ${logLevels.join(', ')}, got ${String(level)}`,
    )
  }
  const options = {
    name,
    level,
    base: { pid: process.pid, hostname: hostname(), ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: redactPaths, censor: '[Redacted]' },
  }
  if (destination === undefined) return pino(options)
  const stream =
    typeof destination === 'number' ? pino.destination({ dest: destination, sync: true }) : destination
  return pino(options, stream)
}

/** A logger that writes nothing: for tests and for library users who pass no logger. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
