import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isNinesError } from '@nines/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { lockStateDir } from './state-dir.js'

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'nines-state-dir-'))
})
afterEach(async () => {
  await rm(root, { recursive: true, force: true })
})

/** The pid of a process that has exited, so no live process has it (for a while at least). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''])
  await new Promise((resolve) => child.once('exit', resolve))
  return child.pid!
}

describe('lockStateDir', () => {
  it('creates the directory, locks it for one owner and refuses a second while the first holds it', async () => {
    const dir = join(root, 'var', 'ns1')
    const first = await lockStateDir(dir, 'ns1')
    expect(JSON.parse(await readFile(join(dir, 'lock'), 'utf8'))).toMatchObject({
      pid: process.pid,
      owner: 'ns1',
    })
    const second = await lockStateDir(dir, 'ns2').catch((error: unknown) => error)
    expect(isNinesError(second) && second.code).toBe('NINES_ERR_STATE_DIR_LOCKED')
    expect((second as Error).message).toBe(
      `state directory ${dir} is in use by instance "ns1" (pid ${process.pid}); give each instance its own stateDir`,
    )
    await first.release()
    expect(await readdir(dir)).toEqual([])
    const again = await lockStateDir(dir, 'ns2')
    await again.release()
  })

  it('takes over a lock whose process is gone, and a torn lock file', async () => {
    const dir = join(root, 'ns1')
    await mkdir(dir)
    await writeFile(join(dir, 'lock'), JSON.stringify({ pid: await deadPid(), owner: 'ns1' }))
    const taken = await lockStateDir(dir, 'ns1')
    await taken.release()
    await writeFile(join(dir, 'lock'), '{"pid":')
    await (await lockStateDir(dir, 'ns1')).release()
  })

  it('removes the temporary files of interrupted writes, here and in ledger/, and nothing else', async () => {
    const dir = join(root, 'ns1')
    await mkdir(join(dir, 'ledger'), { recursive: true })
    for (const file of [
      'health-state.json',
      'health-state.json.123.tmp',
      'ledger/2026-12-01.jsonl',
      'ledger/rollups.json.tmp',
    ])
      await writeFile(join(dir, file), '{}')
    const lock = await lockStateDir(dir, 'ns1')
    expect([...lock.removed].sort()).toEqual([
      join(dir, 'health-state.json.123.tmp'),
      join(dir, 'ledger/rollups.json.tmp'),
    ])
    expect((await readdir(dir)).sort()).toEqual(['health-state.json', 'ledger', 'lock'])
    expect(await readdir(join(dir, 'ledger'))).toEqual(['2026-12-01.jsonl'])
    await lock.release()
  })

  it('says why when the directory cannot be made', async () => {
    await writeFile(join(root, 'file'), '')
    await expect(lockStateDir(join(root, 'file', 'ns1'), 'ns1')).rejects.toMatchObject({
      code: 'NINES_ERR_STATE_DIR',
      message: expect.stringContaining(`cannot create state directory ${join(root, 'file', 'ns1')}`),
    })
  })
})
