import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { systemClock } from '@nines/core'
import { AvailabilityLedger, Monitor, maxOverrideTtlMs } from '@nines/health'
import { createAdminApp, createMetrics, silentLogger } from '@nines/ops'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { addHealthRoutes } from './health-admin.js'

let dir: string
let monitor: Monitor
let ledger: AvailabilityLedger

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nines-daemon-admin-'))
  monitor = new Monitor({ observer: 'test', stateFile: join(dir, 'health-state.json') })
  monitor.set([
    {
      endpoint: { id: 'web/one', address: '127.0.0.1', port: 9 },
      pool: 'web',
      check: { kind: 'custom' },
      probe: async () => ({ ok: true, latencyMs: 1, detail: 'ok' }),
    },
  ])
  ledger = await AvailabilityLedger.open({ directory: join(dir, 'ledger'), clock: systemClock() })
})

afterEach(async () => {
  await monitor.stop()
  await ledger.close()
  await chmod(dir, 0o700).catch(() => undefined)
  await rm(dir, { recursive: true, force: true })
})

function app() {
  const admin = createAdminApp({
    metrics: createMetrics({ prefix: 'nines_test_', processMetrics: false }),
    ready: () => true,
  })
  addHealthRoutes(admin, { monitor, ledger, logger: silentLogger() })
  return admin
}

const put = (body: unknown) => ({
  method: 'PUT',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
})

describe('the health admin routes', () => {
  it('sets, lists and clears an override; unknown endpoints are 404', async () => {
    const admin = app()
    const set = await admin.request('/overrides/web/one', put({ state: 'drain', reason: 'upgrade' }))
    expect(set.status).toBe(200)
    expect(await set.json()).toMatchObject({
      id: 'one',
      pool: 'web',
      effective: 'drain',
      override: { planned: true },
    })
    expect(await (await admin.request('/overrides')).json()).toMatchObject([
      { endpoint: 'web/one', state: 'drain' },
    ])
    expect((await admin.request('/overrides/web/nope', { method: 'DELETE' })).status).toBe(404)
    expect((await admin.request('/overrides/web/nope', put({ state: 'up', reason: 'x' }))).status).toBe(404)
    const cleared = await admin.request('/overrides/web/one', { method: 'DELETE' })
    expect(await cleared.json()).toMatchObject({ override: null })
    expect(await (await admin.request('/endpoints')).json()).toMatchObject([{ id: 'one', pool: 'web' }])
  })

  it.each([
    [{ state: 'sideways', reason: 'x' }, 'state: Invalid option'],
    [{ state: 'drain', reason: '' }, 'reason: Too small'],
    [
      { state: 'drain', reason: 'x', ttlMs: maxOverrideTtlMs + 1 },
      `ttlMs: expected at most ${maxOverrideTtlMs}`,
    ],
    [{ state: 'drain', reason: 'x', ttlMs: 0.5 }, 'ttlMs: Invalid input: expected int'],
  ])('refuses %j with 400 and the exact field', async (body, message) => {
    const res = await app().request('/overrides/web/one', put(body))
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(message)
    expect(monitor.get('web/one')?.override).toBeUndefined()
  })

  it('never acknowledges an override it could not save, and says it is in force', async () => {
    await chmod(dir, 0o500) // the state file cannot be replaced
    const res = await app().request('/overrides/web/one', put({ state: 'down', reason: 'disk test' }))
    if (process.getuid?.() === 0 && res.status === 200) return // root ignores directory modes
    expect(res.status).toBe(500)
    const { error } = (await res.json()) as { error: { code: string; message: string } }
    expect(error.code).toBe('NINES_ERR_STATE_FILE_WRITE')
    expect(error.message).toMatch(/^in force in this process but not saved/)
  })
})
