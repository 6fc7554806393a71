import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { z } from 'zod'
import { ConfigError } from './errors.js'
import { loadConfig } from './load.js'

const schema = z.strictObject({
  port: z.number().int().min(1).max(65535),
  host: z.string().default('127.0.0.1'),
})

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nines-config-load-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('loadConfig', () => {
  test('reads, parses and validates a file', async () => {
    const file = join(dir, 'nines.yaml')
    await writeFile(file, 'port: 5353\n')
    await expect(loadConfig(file, schema)).resolves.toEqual({
      config: { port: 5353, host: '127.0.0.1' },
      text: 'port: 5353\n',
      source: file,
    })
  })

  test('names the file in validation errors', async () => {
    const file = join(dir, 'nines.yaml')
    await writeFile(file, '# ports\nport: 70000\n')
    const error = await loadConfig(file, schema).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).message).toBe(`${file}:2:7 port: expected 1..65535, got 70000`)
  })

  test('an unreadable file is NINES_ERR_CONFIG_READ with the cause', async () => {
    const file = join(dir, 'missing.yaml')
    const error = await loadConfig(file, schema).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ConfigError)
    const configError = error as ConfigError
    expect(configError.code).toBe('NINES_ERR_CONFIG_READ')
    expect(configError.message.startsWith(`${file}: cannot read: ENOENT`)).toBe(true)
    expect((configError.cause as NodeJS.ErrnoException).code).toBe('ENOENT')
  })

  test('a directory is unreadable too', async () => {
    await expect(loadConfig(dir, schema)).rejects.toMatchObject({ code: 'NINES_ERR_CONFIG_READ' })
  })
})
