import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { InvalidArgumentError } from '@nines/core'
import type { z } from 'zod'
import { ConfigError } from './errors.js'
import { loadConfig, readConfigText } from './load.js'
import { parseConfig } from './parse.js'

/** The subset of a pino logger this package uses; it never creates one. */
export interface ConfigLogger {
  info(fields: object, message?: string): void
  warn(fields: object, message?: string): void
  error(fields: object, message?: string): void
}

export interface WatchConfigOptions<T> {
  /**
   * The application's veto, called with a changed, valid config before it becomes current: build what
   * it needs here and throw to refuse it (the previous config stays current and `onError` gets a
   * NINES_ERR_CONFIG_REFUSED error with the thrown message). Whatever it returns is handed to `onReload`,
   * so what was built to decide is the thing applied.
   */
  prepare?: (config: T, previous: T) => unknown
  /** Called after a changed, valid, accepted file has replaced the current config. */
  onReload?: (config: T, previous: T, prepared: unknown) => void
  /** Called when a reload fails; the previous config stays current. */
  onError?: (error: ConfigError) => void
  /** Quiet time after the last file event before reloading, so one save is one reload. Default 100. */
  debounceMs?: number
  logger?: ConfigLogger
}

export type ReloadResult =
  { readonly ok: true; readonly changed: boolean } | { readonly ok: false; readonly error: ConfigError }

export interface ConfigWatcher<T> {
  /** The last valid configuration. */
  readonly current: T
  /** Re-reads the file now (what a daemon does on SIGHUP). Reloads run one at a time, in call order. */
  reload(reason?: string): Promise<ReloadResult>
  /** Stops watching; no callback runs afterwards and `reload()` resolves `{ ok: true, changed: false }`. */
  close(): void
}

export const defaultDebounceMs = 100

/**
 * Loads `file` (throwing a ConfigError if that first load fails), then watches it and reloads on change.
 * The file's directory is watched, not the file: editors save by writing a temporary file and renaming it
 * over the original, which replaces the inode a file watch would be attached to.
 */
export async function watchConfig<S extends z.ZodType>(
  file: string,
  schema: S,
  options: WatchConfigOptions<z.output<S>> = {},
): Promise<ConfigWatcher<z.output<S>>> {
  const { prepare, onReload, onError, debounceMs = defaultDebounceMs, logger } = options
  if (!Number.isFinite(debounceMs) || debounceMs < 0) {
    throw new InvalidArgumentError(`watchConfig: debounceMs must be a finite number >= 0, got ${debounceMs}`)
  }
  const initial = await loadConfig(file, schema)
  let state = { config: initial.config, text: initial.text }
  let closed = false
  let timer: NodeJS.Timeout | undefined
  let queue: Promise<unknown> = Promise.resolve()

  const unchanged: ReloadResult = { ok: true, changed: false }

  const fail = (error: ConfigError, reason: string): ReloadResult => {
    logger?.error({ err: error, source: file, reason }, 'config reload failed; keeping the previous config')
    onError?.(error)
    return { ok: false, error }
  }

  const reloadNow = async (reason: string): Promise<ReloadResult> => {
    if (closed) return unchanged
    let text: string
    try {
      text = await readConfigText(file)
    } catch (error) {
      if (closed || !(error instanceof ConfigError)) return unchanged
      return fail(error, reason)
    }
    if (closed || text === state.text) return unchanged
    let config: z.output<S>
    try {
      config = parseConfig(text, schema, file)
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      return fail(error, reason)
    }
    const previous = state.config
    let prepared: unknown
    try {
      prepared = prepare?.(config, previous)
    } catch (cause) {
      const message = cause instanceof Error ? cause.message : String(cause)
      return fail(
        new ConfigError('NINES_ERR_CONFIG_REFUSED', file, [{ path: '', message }], { cause }),
        reason,
      )
    }
    state = { config, text }
    logger?.info({ source: file, reason }, 'config reloaded')
    onReload?.(config, previous, prepared)
    return { ok: true, changed: true }
  }

  const reload = (reason = 'manual'): Promise<ReloadResult> => {
    const run = queue.then(() => reloadNow(reason))
    queue = run.catch(() => undefined)
    return run
  }

  const onWatchedReload = () => {
    timer = undefined
    reload('watch').catch((error: unknown) => {
      // Only a throwing onReload/onError gets here; there is no caller to hand it to.
      if (logger) logger.error({ err: error, source: file }, 'config reload listener threw')
      else process.emitWarning(error instanceof Error ? error : String(error), 'NinesConfigWarning')
    })
  }

  const schedule = () => {
    if (closed) return
    clearTimeout(timer)
    timer = setTimeout(onWatchedReload, debounceMs)
    timer.unref()
  }

  const path = resolve(file)
  const name = basename(path)
  let watcher: FSWatcher
  try {
    // Not persistent: watching a config file is never a reason on its own to keep a process alive.
    watcher = watch(dirname(path), { persistent: false }, (_event, filename) => {
      // Kubernetes mounts swap a `..data` symlink instead of touching the file's own name.
      if (filename === null || filename === name || filename === '..data') schedule()
    })
  } catch (cause) {
    throw watchError(file, cause)
  }
  watcher.on('error', (cause) => {
    const error = watchError(file, cause)
    logger?.error({ err: error, source: file }, 'config watch failed; reload() still works')
    if (!closed) onError?.(error)
  })
  // A save between the first read and the start of the watch would otherwise go unseen until the next one.
  schedule()

  return {
    get current() {
      return state.config
    },
    reload,
    close() {
      closed = true
      clearTimeout(timer)
      watcher.close()
    },
  }
}

function watchError(file: string, cause: unknown): ConfigError {
  const reason = cause instanceof Error ? cause.message : String(cause)
  return new ConfigError('NINES_ERR_CONFIG_WATCH', file, [{ path: '', message: `cannot watch: ${reason}` }], {
    cause,
  })
}
