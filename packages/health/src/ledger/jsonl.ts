import { readFile, truncate } from 'node:fs/promises'
import type { z } from 'zod'

export interface JsonLines<T> {
  readonly values: T[]
  /** 1 when the file ends in a line with no newline: a write cut short by a crash. */
  readonly tornLines: number
  /** Complete lines that are not JSON or do not match the schema. */
  readonly invalidLines: number
  /** Bytes up to and including the last newline; a torn tail starts here. */
  readonly completeBytes: number
}

const NEWLINE = 0x0a

/** Reads a JSON-lines file; a missing file is empty. Bad data is counted and skipped, never thrown. */
export async function readJsonLines<T>(path: string, schema: z.ZodType<T>): Promise<JsonLines<T>> {
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { values: [], tornLines: 0, invalidLines: 0, completeBytes: 0 }
    }
    throw error
  }
  // Every write is one complete line, so anything after the last newline is a torn write.
  const completeBytes = bytes.lastIndexOf(NEWLINE) + 1
  const values: T[] = []
  let invalidLines = 0
  for (const line of bytes.subarray(0, completeBytes).toString('utf8').split('\n')) {
    if (line.trim() === '') continue
    const parsed = schema.safeParse(parseJson(line))
    if (parsed.success) values.push(parsed.data)
    else invalidLines += 1
  }
  return { values, tornLines: completeBytes < bytes.length ? 1 : 0, invalidLines, completeBytes }
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line)
  } catch {
    return undefined
  }
}

/** Cuts a torn tail off, so the next append starts a fresh line instead of gluing onto the fragment. */
export async function dropTornTail(path: string, completeBytes: number): Promise<void> {
  await truncate(path, completeBytes)
}

export function toLine(value: unknown): string {
  return `${JSON.stringify(value)}\n`
}
