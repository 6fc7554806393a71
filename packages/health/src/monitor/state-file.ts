import { readFile, readdir, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
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
  // Absent in files written before it existed.
  recoveredAt: z.number().int().nonnegative().optional(),
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
  /** See EndpointStatus.recoveredAt. */
  readonly recoveredAt?: number
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
  const temp = tempFile(file, process.pid)
  await writeFile(temp, JSON.stringify(state, null, 2) + '\n', 'utf8')
  await rename(temp, file)
}

function tempFile(file: string, pid: number): string {
  return `${file}.${pid}.tmp`
}

/**
 * Removes the temp files a process that crashed mid-write left beside the state file (`<file>.<pid>.tmp`),
 * except this process's own. Best effort: a directory that cannot be listed is reported by the read.
 */
export async function removeLeftovers(file: string): Promise<string[]> {
  const prefix = `${basename(file)}.`
  let names: string[]
  try {
    names = await readdir(dirname(file))
  } catch {
    return []
  }
  const own = basename(tempFile(file, process.pid))
  const leftovers = names.filter(
    (name) => name !== own && name.startsWith(prefix) && /^\d+\.tmp$/.test(name.slice(prefix.length)),
  )
  await Promise.all(leftovers.map((name) => rm(join(dirname(file), name), { force: true })))
  return leftovers
}
