import { access, constants, mkdir, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { NinesError, isNinesError } from '@nines/core'
import { dropTornTail, readJsonLines } from './jsonl.js'
import { dayName, dayStartOfName } from './rollup.js'
import { ledgerEventSchema, rollupLineSchema, type LedgerEvent, type RollupLine } from './schema.js'

export const ROLLUPS_FILE = 'rollups.jsonl'

const EVENT_FILE = /^events-(\d{4}-\d{2}-\d{2})\.jsonl$/

/** Raw events of one UTC day live in their own file, so retention is a file deletion. */
export function eventFileName(atMs: number): string {
  return `events-${dayName(atMs)}.jsonl`
}

export function rollupsPath(directory: string): string {
  return join(directory, ROLLUPS_FILE)
}

/** The raw event files present, oldest first, with the start of their day. */
export async function listEventFiles(directory: string): Promise<{ name: string; dayStart: number }[]> {
  const files: { name: string; dayStart: number }[] = []
  for (const name of await readdir(directory)) {
    const match = EVENT_FILE.exec(name)
    if (match?.[1] !== undefined) files.push({ name, dayStart: dayStartOfName(match[1]) })
  }
  return files.sort((a, b) => a.dayStart - b.dayStart)
}

/** Creates the directory if needed; anything that makes it unusable is the one error the ledger throws on open. */
export async function ensureDirectory(directory: string): Promise<void> {
  try {
    await mkdir(directory, { recursive: true })
    if (!(await stat(directory)).isDirectory()) throw new Error('not a directory')
    await access(directory, constants.R_OK | constants.W_OK)
  } catch (error) {
    throw directoryError(directory, error)
  }
}

export function directoryError(directory: string, cause: unknown): NinesError {
  const detail = cause instanceof Error ? cause.message : String(cause)
  return new NinesError(
    'NINES_ERR_LEDGER_DIRECTORY',
    `ledger directory ${directory} is not usable: ${detail}`,
    {
      cause,
    },
  )
}

/** What loading the directory found; bad lines are skipped and counted here, never thrown. */
export interface LoadStats {
  readonly files: number
  readonly events: number
  readonly rollups: number
  /** Last lines cut short by a crash (at most one per file); they are cut off the file. */
  readonly tornLines: number
  /** Complete lines that were not valid JSON or not a valid record. */
  readonly invalidLines: number
}

export interface LedgerFiles {
  /** Every roll-up line, in file order. */
  readonly rollups: RollupLine[]
  /** Raw events of every file, oldest file first, in file order. */
  readonly events: LedgerEvent[]
  /** Start of the day of the oldest raw file. */
  readonly firstFileDay: number | undefined
  readonly stats: LoadStats
}

/** Reads everything the ledger keeps, cutting torn tails off so later appends start on a fresh line. */
export async function readLedgerDirectory(directory: string): Promise<LedgerFiles> {
  try {
    const rollups = await readJsonLines(rollupsPath(directory), rollupLineSchema)
    if (rollups.tornLines > 0) await dropTornTail(rollupsPath(directory), rollups.completeBytes)
    const files = await listEventFiles(directory)
    const events: LedgerEvent[] = []
    let tornLines = rollups.tornLines
    let invalidLines = rollups.invalidLines
    for (const file of files) {
      const path = join(directory, file.name)
      const read = await readJsonLines(path, ledgerEventSchema)
      if (read.tornLines > 0) await dropTornTail(path, read.completeBytes)
      events.push(...read.values)
      tornLines += read.tornLines
      invalidLines += read.invalidLines
    }
    return {
      rollups: rollups.values,
      events,
      firstFileDay: files[0]?.dayStart,
      stats: {
        files: files.length,
        events: events.length,
        rollups: rollups.values.length,
        tornLines,
        invalidLines,
      },
    }
  } catch (error) {
    throw isNinesError(error) ? error : directoryError(directory, error)
  }
}
