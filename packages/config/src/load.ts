import { readFile } from 'node:fs/promises'
import type { z } from 'zod'
import { ConfigError } from './errors.js'
import { parseConfig } from './parse.js'

/** A validated configuration with the text it came from. */
export interface LoadedConfig<T> {
  readonly config: T
  readonly text: string
  /** The file name as given, used in messages. */
  readonly source: string
}

/**
 * Reads a YAML file and validates it against `schema`. Throws a ConfigError: `NINES_ERR_CONFIG_READ` when
 * the file cannot be read, else as {@link parseConfig}.
 */
export async function loadConfig<S extends z.ZodType>(
  file: string,
  schema: S,
): Promise<LoadedConfig<z.output<S>>> {
  const text = await readConfigText(file)
  return { config: parseConfig(text, schema, file), text, source: file }
}

export async function readConfigText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause)
    throw new ConfigError('NINES_ERR_CONFIG_READ', file, [{ path: '', message: `cannot read: ${reason}` }], {
      cause,
    })
  }
}
