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

// Every child (and grandchild) of a logger made here, weakly: pino children copy the level when they are
// made and never follow the parent again, so a reloaded `log.level` must be set on each of them.
const families = new WeakMap<Logger, Set<WeakRef<Logger>>>()

/** The one logger of a daemon: JSON lines with ISO timestamps. Packages take a child of it, never create one. */
export function createLogger({ name, level = 'info', destination, base = {} }: LoggerOptions): Logger {
  checkLevel(level)
  const family = new Set<WeakRef<Logger>>()
  const options = {
    onChild: (child: Logger) => void family.add(new WeakRef(child)),
    name,
    level,
    base: { pid: process.pid, hostname: hostname(), ...base },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: redactPaths, censor: '[Redacted]' },
  }
  const stream =
    destination === undefined
      ? undefined
      : typeof destination === 'number'
        ? pino.destination({ dest: destination, sync: true })
        : destination
  const logger = stream === undefined ? pino(options) : pino(options, stream)
  families.set(logger, family)
  return logger
}

/**
 * Sets the level of a logger made by `createLogger` and of every child made from it so far (a
 * reloaded `log.level`); later children inherit it as usual.
 */
export function setLogLevel(logger: Logger, level: LogLevel): void {
  checkLevel(level)
  logger.level = level
  const family = families.get(logger)
  if (family === undefined) return
  for (const ref of family) {
    const child = ref.deref()
    if (child === undefined) family.delete(ref)
    else child.level = level
  }
}

function checkLevel(level: string): void {
  if (!(logLevels as readonly string[]).includes(level)) {
    throw new InvalidArgumentError(
      `Expected \`level\` to be one of ${logLevels.join(', ')}, got ${String(level)}`,
    )
  }
}

/** A logger that writes nothing: for tests and for library users who pass no logger. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
