import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ManualClock, seededRng } from '@nines/core'
import { describe, expect, it } from 'vitest'
import { AvailabilityLedger } from '../ledger/index.js'
import { recordAvailability } from './ledger-link.js'
import { Monitor } from './monitor.js'

describe('recordAvailability', () => {
  it('turns transitions into ledger incidents, drain counted as planned', async () => {
    const clock = new ManualClock(Date.UTC(2026, 5, 1))
    const ledger = await AvailabilityLedger.open({
      directory: await mkdtemp(join(tmpdir(), 'nines-link-')),
      clock,
    })
    const monitor = new Monitor({ clock, rng: seededRng(1), damping: false })
    let ok = true
    monitor.add({
      endpoint: { address: '127.0.0.1', port: 9, id: 'a' },
      pool: 'app',
      check: { kind: 'custom', intervalMs: 1000, jitter: 0, fall: 1, rise: 1 },
      probe: async () => ({ ok, latencyMs: 1, detail: ok ? 'ok' : 'status 503' }),
    })
    const stop = recordAvailability(monitor, ledger)
    monitor.start()
    const settle = async (ms: number) => {
      for (let t = 0; t < ms; t += 100) {
        clock.advance(100)
        for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
      }
    }
    await settle(1000)
    ok = false
    await settle(120_000) // two minutes of unplanned downtime
    ok = true
    await settle(2000)
    monitor.setOverride('a', { state: 'drain', reason: 'patching' })
    clock.advance(60_000)
    monitor.clearOverride('a')
    stop()
    await monitor.stop()

    const report = ledger.report('a')
    expect(report?.incidents.map((i) => i.planned)).toEqual([false, true])
    expect(report?.incidents[1]?.reason).toBe('override drain: patching')
    const hour = report?.windows[0]
    expect(hour?.plannedDowntimeMs).toBe(60_000)
    expect(hour?.unplannedDowntimeMs).toBeGreaterThanOrEqual(119_000)
    expect(hour?.unplannedDowntimeMs).toBeLessThanOrEqual(121_000)
    expect(ledger.report({ pool: 'app' })?.incidents).toHaveLength(2)
    await ledger.close()
  })
})
