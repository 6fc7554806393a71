import { mkdtemp, rename, rm, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InvalidArgumentError } from '@nines/core'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { z } from 'zod'
import { ConfigError } from './errors.js'
import { watchConfig, type ConfigLogger, type ConfigWatcher, type WatchConfigOptions } from './watch.js'

const schema = z.strictObject({
  port: z.number().int().min(1).max(65535),
  host: z.string().default('127.0.0.1'),
})
type Config = z.output<typeof schema>

// Long enough to ride out a slow shared machine, short enough that a hang fails the test quickly.
const waitLimitMs = 5000
// For tests that drive reload() themselves: file events must not trigger reloads of their own.
const neverMs = 600_000

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + waitLimitMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

let dir: string
let file: string
const watchers: ConfigWatcher<Config>[] = []

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nines-config-watch-'))
  file = join(dir, 'nines.yaml')
  await writeFile(file, 'port: 1000\n')
})

afterEach(async () => {
  for (const watcher of watchers.splice(0)) watcher.close()
  await rm(dir, { recursive: true, force: true })
})

/** A watcher that records its callbacks. */
async function start(options: WatchConfigOptions<Config> = {}) {
  const reloads: [Config, Config][] = []
  const errors: ConfigError[] = []
  const watcher = await watchConfig(file, schema, {
    debounceMs: 20,
    onReload: (config, previous) => reloads.push([config, previous]),
    onError: (error) => errors.push(error),
    ...options,
  })
  watchers.push(watcher)
  return { watcher, reloads, errors }
}

/** Saves the way editors do: write a temporary file beside the target, then rename it over the target. */
async function saveAtomically(text: string, name = 'nines.yaml'): Promise<void> {
  const temporary = join(dir, `.${name}.${process.pid}.tmp`)
  await writeFile(temporary, text)
  await rename(temporary, join(dir, name))
}

describe('watchConfig: first load', () => {
  test('resolves with the validated config', async () => {
    const { watcher } = await start()
    expect(watcher.current).toEqual({ port: 1000, host: '127.0.0.1' })
  })

  test('throws the ConfigError when the first load is invalid', async () => {
    await writeFile(file, 'port: 0\n')
    const error = await watchConfig(file, schema).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).message).toBe(`${file}:1:7 port: expected 1..65535, got 0`)
  })

  test('throws NINES_ERR_CONFIG_READ when the file is missing', async () => {
    await expect(watchConfig(join(dir, 'missing.yaml'), schema)).rejects.toMatchObject({
      code: 'NINES_ERR_CONFIG_READ',
    })
  })

  test('rejects a negative debounce as misuse', async () => {
    await expect(watchConfig(file, schema, { debounceMs: -1 })).rejects.toBeInstanceOf(InvalidArgumentError)
  })
})

describe('watchConfig: reloads on file changes', () => {
  test('a plain write is picked up', async () => {
    const { watcher, reloads } = await start()
    await writeFile(file, 'port: 2000\n')
    await waitFor(() => watcher.current.port === 2000, 'the write to be applied')
    // A reader may catch the file half-written, which fails and is retried on the next event; the
    // applied reload still hands over the previous valid config.
    expect(reloads.at(-1)).toEqual([
      { port: 2000, host: '127.0.0.1' },
      { port: 1000, host: '127.0.0.1' },
    ])
  })

  test('an atomic rename over the file is picked up, again and again', async () => {
    const { watcher, reloads, errors } = await start()
    await saveAtomically('port: 2000\n')
    await waitFor(() => watcher.current.port === 2000, 'the first save to be applied')
    await saveAtomically('port: 3000\n')
    await waitFor(() => watcher.current.port === 3000, 'the second save to be applied')
    expect(reloads.map(([config, previous]) => [config.port, previous.port])).toEqual([
      [2000, 1000],
      [3000, 2000],
    ])
    expect(errors).toEqual([])
  })

  test('an invalid save keeps the previous config and reports the exact error', async () => {
    const { watcher, reloads, errors } = await start()
    await saveAtomically('host: x\nport: 70000\n')
    await waitFor(() => errors.length > 0, 'the error to be reported')
    expect(watcher.current).toEqual({ port: 1000, host: '127.0.0.1' })
    expect(reloads).toEqual([])
    expect(errors[0]?.code).toBe('NINES_ERR_CONFIG_INVALID')
    expect(errors[0]?.message).toBe(`${file}:2:7 port: expected 1..65535, got 70000`)

    await saveAtomically('port: 4000\n')
    await waitFor(() => watcher.current.port === 4000, 'the fixed file to be applied')
    expect(reloads.map(([config, previous]) => [config.port, previous.port])).toEqual([[4000, 1000]])
  })

  test('close stops watching: no callback runs afterwards', async () => {
    const closed = await start()
    const control = await start()
    closed.watcher.close()
    await saveAtomically('port: 5000\n')
    // The control watcher sees the save, so the closed one had every chance to see it too.
    await waitFor(() => control.watcher.current.port === 5000, 'the control watcher to reload')
    await saveAtomically('port: 0\n')
    await waitFor(() => control.errors.length > 0, 'the control watcher to report the bad save')
    expect(closed.reloads).toEqual([])
    expect(closed.errors).toEqual([])
    expect(closed.watcher.current.port).toBe(1000)
    await expect(closed.watcher.reload()).resolves.toEqual({ ok: true, changed: false })
    expect(closed.watcher.current.port).toBe(1000)
  })
})

describe('watchConfig: reload() (what a daemon calls on SIGHUP)', () => {
  test('applies a changed file once, then reports it unchanged', async () => {
    const { watcher, reloads } = await start({ debounceMs: neverMs })
    await writeFile(file, 'port: 2000\n')
    await expect(watcher.reload('SIGHUP')).resolves.toEqual({ ok: true, changed: true })
    expect(watcher.current.port).toBe(2000)
    await expect(watcher.reload('SIGHUP')).resolves.toEqual({ ok: true, changed: false })
    expect(reloads).toHaveLength(1)
  })

  test('unchanged text is not a reload', async () => {
    const { watcher, reloads } = await start({ debounceMs: neverMs })
    const before = watcher.current
    await expect(watcher.reload()).resolves.toEqual({ ok: true, changed: false })
    expect(watcher.current).toBe(before)
    expect(reloads).toEqual([])
  })

  test('an invalid file keeps the previous config; the error is returned and reported', async () => {
    const { watcher, reloads, errors } = await start({ debounceMs: neverMs })
    await writeFile(file, 'port: 2000\nprot: 1\n')
    const result = await watcher.reload('SIGHUP')
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.message).toBe(`${file}:2:1: unknown key "prot" (did you mean "port"?)`)
    expect(errors).toEqual([result.error])
    expect(watcher.current.port).toBe(1000)
    expect(reloads).toEqual([])
  })

  test('a YAML syntax error keeps the previous config', async () => {
    const { watcher, errors } = await start({ debounceMs: neverMs })
    await writeFile(file, 'port: 2000\nport: 3000\n')
    const result = await watcher.reload()
    expect(result).toMatchObject({ ok: false, error: { code: 'NINES_ERR_CONFIG_SYNTAX' } })
    expect(errors[0]?.message).toBe(`${file}:2:1: duplicate key "port"`)
    expect(watcher.current.port).toBe(1000)
  })

  test('a deleted file keeps the previous config', async () => {
    const { watcher, errors } = await start({ debounceMs: neverMs })
    await unlink(file)
    await expect(watcher.reload()).resolves.toMatchObject({
      ok: false,
      error: { code: 'NINES_ERR_CONFIG_READ' },
    })
    expect(errors).toHaveLength(1)
    expect(watcher.current.port).toBe(1000)
  })

  test('concurrent reloads run one at a time: one applies the change, the other sees it applied', async () => {
    const { watcher, reloads } = await start({ debounceMs: neverMs })
    await writeFile(file, 'port: 2000\n')
    const results = await Promise.all([watcher.reload(), watcher.reload(), watcher.reload()])
    expect(results).toEqual([
      { ok: true, changed: true },
      { ok: true, changed: false },
      { ok: true, changed: false },
    ])
    expect(reloads).toHaveLength(1)
  })

  test('prepare refuses a valid config: the previous one stays, and the same text is tried again', async () => {
    let refuse = true
    const prepared: unknown[] = []
    const { watcher, reloads, errors } = await start({
      debounceMs: neverMs,
      prepare: (config) => {
        if (refuse) throw new Error(`port ${config.port} cannot be bound`)
        return `built for ${config.port}`
      },
      onReload: (config, _previous, made) => prepared.push([config.port, made]),
    })
    await writeFile(file, 'port: 2000\n')
    const result = await watcher.reload('SIGHUP')
    expect(result).toMatchObject({ ok: false, error: { code: 'NINES_ERR_CONFIG_REFUSED' } })
    expect(errors[0]?.message).toBe(`${file}: port 2000 cannot be bound`)
    expect(watcher.current.port).toBe(1000)
    expect(reloads).toEqual([])
    refuse = false
    await expect(watcher.reload('SIGHUP')).resolves.toEqual({ ok: true, changed: true })
    expect(watcher.current.port).toBe(2000)
    expect(prepared).toEqual([[2000, 'built for 2000']])
  })

  test('a throwing onReload rejects reload(), with the new config already current', async () => {
    const { watcher } = await start({
      debounceMs: neverMs,
      onReload: () => {
        throw new Error('listener failed')
      },
    })
    await writeFile(file, 'port: 2000\n')
    await expect(watcher.reload()).rejects.toThrow('listener failed')
    expect(watcher.current.port).toBe(2000)
    // The queue survives a rejected reload.
    await expect(watcher.reload()).resolves.toEqual({ ok: true, changed: false })
  })

  test('logs transitions to an injected logger', async () => {
    const entries: [string, object, string | undefined][] = []
    const logger: ConfigLogger = {
      info: (fields, message) => entries.push(['info', fields, message]),
      warn: (fields, message) => entries.push(['warn', fields, message]),
      error: (fields, message) => entries.push(['error', fields, message]),
    }
    const { watcher } = await start({ debounceMs: neverMs, logger })
    await watcher.reload('SIGHUP')
    expect(entries).toEqual([])
    await writeFile(file, 'port: 2000\n')
    await watcher.reload('SIGHUP')
    await writeFile(file, 'port: x\n')
    const failed = await watcher.reload('SIGHUP')
    expect(entries).toEqual([
      ['info', { source: file, reason: 'SIGHUP' }, 'config reloaded'],
      [
        'error',
        { err: failed.ok ? undefined : failed.error, source: file, reason: 'SIGHUP' },
        'config reload failed; keeping the previous config',
      ],
    ])
  })
})
