import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ManualClock, isNinesError, seededRng } from '@nines/core'
import { afterEach, describe, expect, it } from 'vitest'
import { Monitor, maxOverrideTtlMs, type MonitorOptions } from './monitor.js'

const monitors: Monitor[] = []
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.stop().catch(() => undefined)))
})

function monitor(options: MonitorOptions = {}): Monitor {
  const m = new Monitor({ observer: 'test', rng: seededRng(1), damping: false, ...options })
  monitors.push(m)
  return m
}

const check = { kind: 'custom', intervalMs: 1000, fastIntervalMs: 500, timeoutMs: 200, jitter: 0 } as const

/** An endpoint whose probe answers `state.ok`. */
function scripted() {
  const state = { ok: true }
  const target = {
    endpoint: { address: '127.0.0.1', port: 9, id: 'a' },
    check,
    probe: async () => state.ok,
  }
  return { state, target }
}

/** Steps a manual clock until the condition holds; fails the test if it never does within maxMs. */
async function runUntil(clock: ManualClock, condition: () => boolean, maxMs = 20_000): Promise<void> {
  for (let t = 0; t < maxMs && !condition(); t += 10) {
    clock.advance(10)
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
  }
  expect(condition()).toBe(true)
}

const stateDir = () => mkdtemp(join(tmpdir(), 'nines-monitor-state-'))

describe('recoveredAt', () => {
  it('is undefined for a first result, set when the endpoint comes back, and cleared when it goes', async () => {
    const clock = new ManualClock(1_000_000)
    const m = monitor({ clock })
    const { state, target } = scripted()
    m.add(target)
    m.start()
    await runUntil(clock, () => m.get('a')?.effective === 'up')
    expect(m.get('a')?.recoveredAt).toBeUndefined()

    state.ok = false
    await runUntil(clock, () => m.get('a')?.effective === 'down')
    expect(m.get('a')?.recoveredAt).toBeUndefined()
    state.ok = true
    await runUntil(clock, () => m.get('a')?.effective === 'up')
    expect(m.get('a')?.recoveredAt).toBe(clock.now())

    // An override taking it out and coming off brings it back too.
    m.setOverride('a', { state: 'down', reason: 'test', ttlMs: 5_000 })
    expect(m.get('a')?.recoveredAt).toBeUndefined()
    clock.advance(5_000)
    expect(m.get('a')).toMatchObject({ effective: 'up', recoveredAt: clock.now() })
  })

  it('survives a restart in the state file, and an older file without it still loads', async () => {
    const stateFile = join(await stateDir(), 'state.json')
    const clock = new ManualClock(1_000_000)
    const m = monitor({ clock, stateFile })
    const { target } = scripted()
    m.add(target)
    m.setOverride('a', { state: 'drain', reason: 'deploy' })
    m.start()
    await runUntil(clock, () => m.get('a')?.observed === 'up')
    m.clearOverride('a')
    const recoveredAt = m.get('a')?.recoveredAt
    expect(recoveredAt).toBe(clock.now())
    await m.stop()
    expect(JSON.parse(await readFile(stateFile, 'utf8')).endpoints.a.recoveredAt).toBe(recoveredAt)

    clock.advance(1_000)
    const restarted = monitor({ clock, stateFile })
    await restarted.load()
    restarted.add(target)
    expect(restarted.get('a')).toMatchObject({ effective: 'up', recoveredAt })

    const old = { observed: 'up', since: clock.now(), reason: 'rise 2/2' }
    const file = { version: 1, savedAt: clock.now(), endpoints: { a: old }, overrides: {} }
    await writeFile(stateFile, JSON.stringify(file))
    const fromOldFile = monitor({ clock, stateFile })
    await fromOldFile.load()
    fromOldFile.add(target)
    expect(fromOldFile.get('a')).toMatchObject({ effective: 'up', recoveredAt: undefined })
  })
})

describe('state file hardening', () => {
  it('flush() rejects while writes fail, naming the file, and resolves once one succeeds', async () => {
    const dir = await stateDir()
    // The state file's parent is a file, so every write fails.
    await writeFile(join(dir, 'blocker'), 'not a directory')
    const stateFile = join(dir, 'blocker', 'state.json')
    const m = monitor({ clock: new ManualClock(1_000_000), stateFile })
    const { target } = scripted()
    m.add(target)
    await expect(m.flush()).resolves.toBeUndefined() // nothing written yet
    m.setOverride('a', { state: 'drain', reason: 'deploy' })
    const error = await m.flush().catch((e: unknown) => e)
    expect(isNinesError(error, 'NINES_ERR_STATE_FILE_WRITE')).toBe(true)
    expect((error as Error).message).toContain(stateFile)
    expect((error as Error).cause).toMatchObject({ code: 'ENOTDIR' })
    expect(m.get('a')?.effective).toBe('drain') // in force, though not saved
  })

  it('flush() resolves again once a write succeeds', async () => {
    const dir = await stateDir()
    const blocker = join(dir, 'state')
    await writeFile(blocker, 'not a directory')
    const stateFile = join(blocker, 'state.json')
    const m = monitor({ clock: new ManualClock(1_000_000), stateFile })
    m.add(scripted().target)
    m.setOverride('a', { state: 'down', reason: 'unsaved' })
    await expect(m.flush()).rejects.toThrow(/cannot write state file/)
    // The operator repairs the directory; the next change is saved, and with it the whole state.
    await rm(blocker)
    await mkdir(blocker)
    m.setOverride('a', { state: 'drain', reason: 'saved' })
    await expect(m.flush()).resolves.toBeUndefined()
    expect(JSON.parse(await readFile(stateFile, 'utf8')).overrides.a).toMatchObject({ reason: 'saved' })
  })

  it('removes temp files a crashed writer left behind when it loads', async () => {
    const dir = await stateDir()
    const stateFile = join(dir, 'state.json')
    await writeFile(`${stateFile}.4242.tmp`, '{"torn')
    await writeFile(join(dir, 'other.json.4242.tmp'), 'not ours')
    await monitor({ stateFile }).load()
    expect((await readdir(dir)).sort()).toEqual(['other.json.4242.tmp'])
  })

  it('refuses an override TTL a timer cannot reach, and accepts the bound itself', () => {
    const clock = new ManualClock(1_000_000)
    const m = monitor({ clock })
    m.add(scripted().target)
    const refuse = (input: { ttlMs?: number; expiresAt?: number }) => {
      let thrown: unknown
      try {
        m.setOverride('a', { state: 'drain', reason: 'x', ...input })
      } catch (error) {
        thrown = error
      }
      return isNinesError(thrown, 'NINES_ERR_INVALID_ARGUMENT') ? (thrown as Error).message : 'accepted'
    }
    expect(refuse({ ttlMs: maxOverrideTtlMs + 1 })).toMatch(/ttlMs: expected 1\.\.2147483647/)
    expect(refuse({ ttlMs: 0 })).toMatch(/ttlMs/)
    expect(refuse({ ttlMs: Number.NaN })).toMatch(/ttlMs/)
    expect(refuse({ expiresAt: clock.now() + maxOverrideTtlMs + 1 })).toMatch(/expiresAt/)
    expect(m.get('a')?.override).toBeUndefined()
    expect(refuse({ ttlMs: maxOverrideTtlMs })).toBe('accepted')
    clock.advance(maxOverrideTtlMs - 1)
    expect(m.get('a')?.effective).toBe('drain') // not expired at once
    clock.advance(1)
    expect(m.get('a')?.override).toBeUndefined()
  })
})
