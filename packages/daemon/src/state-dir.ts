import { mkdir, open, readFile, readdir, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { NinesError } from '@nines/core'

export interface StateDir {
  readonly path: string
  /** Files a crash mid-write left behind, removed when the lock was taken. */
  readonly removed: readonly string[]
  /** Removes the lock if it is still ours. */
  release(): Promise<void>
}

interface LockContent {
  readonly pid: number
  readonly owner: string
  readonly since: string
}

const lockName = 'lock'

/**
 * Takes the state directory for `owner` (an instance name): creates it, writes `<dir>/lock` with this
 * process's pid, and refuses (NINES_ERR_STATE_DIR_LOCKED) while a live process holds it, so two instances
 * pointed at one directory never read each other's overrides. A lock whose process is gone is taken over.
 * Holding the lock, it removes the `*.tmp` files of writes a crash interrupted (here and in `ledger/`).
 */
export async function lockStateDir(dir: string, owner: string): Promise<StateDir> {
  try {
    await mkdir(dir, { recursive: true })
  } catch (cause) {
    throw new NinesError('NINES_ERR_STATE_DIR', `cannot create state directory ${dir}: ${message(cause)}`, {
      cause,
    })
  }
  const file = join(dir, lockName)
  const content: LockContent = { pid: process.pid, owner, since: new Date().toISOString() }
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, 'wx')
      await handle.writeFile(JSON.stringify(content) + '\n')
      await handle.close()
      break
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new NinesError('NINES_ERR_STATE_DIR', `cannot lock state directory ${dir}: ${message(cause)}`, {
          cause,
        })
      }
      const holder = await readLock(file)
      if (holder !== undefined && alive(holder.pid)) {
        throw new NinesError(
          'NINES_ERR_STATE_DIR_LOCKED',
          `state directory ${dir} is in use by instance "${holder.owner}" (pid ${holder.pid}); give each instance its own stateDir`,
        )
      }
      // Stale (its process is gone) or torn: take it over, once; a second clash means a live racer won.
      if (attempt > 0) throw new NinesError('NINES_ERR_STATE_DIR_LOCKED', `state directory ${dir} is in use`)
      await unlink(file).catch(() => undefined)
    }
  }
  const removed = await removeTemporaries(dir)
  return {
    path: dir,
    removed,
    async release() {
      const holder = await readLock(file)
      if (holder?.pid === process.pid) await unlink(file).catch(() => undefined)
    },
  }
}

async function readLock(file: string): Promise<LockContent | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<LockContent>
    if (typeof parsed.pid !== 'number' || !Number.isInteger(parsed.pid)) return undefined
    return { pid: parsed.pid, owner: String(parsed.owner ?? '?'), since: String(parsed.since ?? '') }
  } catch {
    return undefined
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function removeTemporaries(dir: string): Promise<string[]> {
  const removed: string[] = []
  for (const folder of [dir, join(dir, 'ledger')]) {
    const names = await readdir(folder).catch(() => [] as string[])
    for (const name of names.filter((n) => n.endsWith('.tmp'))) {
      await unlink(join(folder, name)).then(
        () => removed.push(join(folder, name)),
        () => undefined,
      )
    }
  }
  return removed
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
