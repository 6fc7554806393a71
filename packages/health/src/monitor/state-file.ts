import { readFile, rename, writeFile } from 'node:fs/promises'
import { NinesError, type ObservedState, type Override } from '@nines/core'
import { z } from 'zod'

const overrideSchema = z.strictObject({
  state: z.enum(['drain', 'up', 'down']),
  reason: z.string(),
  planned: z.boolean(),
  setAt: z.number().int().nonnegative(),
  expiresAt: z.number().int().nonnegative().optional(),
})

const endpointStateSchema = z.strictObject({
  observed: z.enum(['unknown', 'up', 'down']),
  since: z.number().int().nonnegative(),
  reason: z.string(),
})

const stateFileSchema = z.strictObject({
  version: z.literal(1),
  savedAt: z.number().int().nonnegative(),
  endpoints: z.record(z.string(), endpointStateSchema),
  overrides: z.record(z.string(), overrideSchema),
})

export interface SavedEndpointState {
  readonly observed: ObservedState
  readonly since: number
  readonly reason: string
}

/** What survives a restart: the last verdicts and the operator's overrides. */
export interface StateFile {
  readonly version: 1
  readonly savedAt: number
  readonly endpoints: Record<string, SavedEndpointState>
  readonly overrides: Record<string, Override>
}

/**
 * Reads a state file. A missing file is an empty state; a malformed one is rejected whole
 * (NINES_ERR_STATE_FILE_INVALID): half of an operator's overrides is worse than none and a clear error.
 */
export async function readStateFile(file: string): Promise<StateFile | undefined> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new NinesError('NINES_ERR_STATE_FILE_READ', `cannot read state file ${file}`, { cause: error })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new NinesError(
      'NINES_ERR_STATE_FILE_INVALID',
      `state file ${file} is not JSON: ${(error as Error).message}`,
      {
        cause: error,
      },
    )
  }
  const parsed = stateFileSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue?.path.map(String).join('.') || '(root)'
    throw new NinesError(
      'NINES_ERR_STATE_FILE_INVALID',
      `state file ${file} is invalid at ${where}: ${issue?.message ?? 'unknown'}; it was not used`,
    )
  }
  return parsed.data as StateFile
}

/** Writes atomically (temp file + rename), so a crash never leaves a torn state file. */
export async function writeStateFile(file: string, state: StateFile): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`
  await writeFile(temp, JSON.stringify(state, null, 2) + '\n', 'utf8')
  await rename(temp, file)
}
