import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ManualClock, isNinesError } from '@nines/core'
import { AvailabilityLedger } from './ledger.js'
import type { AvailabilityReport } from './ledger.js'
import type { WindowReport } from './report.js'
import { ledgerOptionsSchema, type LedgerEvent } from './schema.js'

const MIN = 60_000
const HOUR = 60 * MIN

let directory: string
let clock: ManualClock

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'nines-ledger-'))
  clock = new ManualClock(Date.UTC(2026, 0, 10, 9))
})

afterEach(async () => {
  await rm(directory, { recursive: true, force: true })
})

function open(): Promise<AvailabilityLedger> {
  return AvailabilityLedger.open({ directory, clock })
}

/** Records a change now, then lets `afterMin` minutes pass. */
function step(ledger: AvailabilityLedger, change: Partial<LedgerEvent>, afterMin: number): void {
  ledger.record({ endpointId: 'a', state: 'up', planned: false, reason: '', ...change, at: clock.now() })
  clock.advance(afterMin * MIN)
}

function windowOf(report: AvailabilityReport | undefined, windowMs: number): WindowReport {
  const window = report?.windows.find((w) => w.windowMs === windowMs)
  if (!window) throw new Error(`no ${windowMs} ms window`)
  return window
}

describe('ledgerOptionsSchema', () => {
  it('defaults to 30 days of raw events, 400 of roll-ups and a 99.99 % SLO', () => {
    expect(ledgerOptionsSchema.parse({})).toEqual({
      rawRetentionDays: 30,
      rollupRetentionDays: 400,
      slo: 0.9999,
    })
  })

  it('rejects roll-ups kept for less time than raw events, and an SLO of 100 %', () => {
    expect(ledgerOptionsSchema.safeParse({ rawRetentionDays: 30, rollupRetentionDays: 10 }).success).toBe(
      false,
    )
    expect(ledgerOptionsSchema.safeParse({ slo: 1 }).success).toBe(false)
  })
})

describe('AvailabilityLedger reports', () => {
  it('splits planned and unplanned downtime; only unplanned spends the budget', async () => {
    const ledger = await open()
    step(ledger, { state: 'up' }, 10)
    step(ledger, { state: 'down', reason: 'timeout' }, 5)
    step(ledger, { state: 'up' }, 20)
    step(ledger, { state: 'down', planned: true, reason: 'drain: kernel patch' }, 10)
    step(ledger, { state: 'up' }, 15)

    const report = ledger.report('a')
    const hour = windowOf(report, HOUR)
    expect(hour).toMatchObject({
      trackedMs: HOUR,
      downtimeMs: 15 * MIN,
      plannedDowntimeMs: 10 * MIN,
      unplannedDowntimeMs: 5 * MIN,
      availability: 0.75,
      nines: 0,
    })
    expect(hour.budget).toEqual({
      allowedMs: 360,
      usedMs: 5 * MIN,
      remainingMs: 360 - 5 * MIN,
      remainingFraction: (360 - 5 * MIN) / 360,
    })
    expect(report?.incidents.map((i) => [i.durationMs / MIN, i.planned, i.reason])).toEqual([
      [5, false, 'timeout'],
      [10, true, 'drain: kernel patch'],
    ])
    expect(report?.state).toBe('up')
    expect(report?.mttrMs).toBe(5 * MIN)
    expect(report?.mtbfMs).toBeUndefined()
    await ledger.close()
  })

  it('clips every window to the tracked history', async () => {
    const ledger = await open()
    step(ledger, { state: 'up' }, 50)
    step(ledger, { state: 'down', reason: 'refused' }, 10)
    const report = ledger.report('a')
    for (const window of report?.windows ?? []) {
      expect(window.trackedMs).toBe(HOUR)
      expect(window.downtimeMs).toBe(10 * MIN)
      expect(window.availability).toBeCloseTo(5 / 6, 12)
    }
    expect(report?.windows).toHaveLength(5)
    expect(report?.trackedSince).toBe(clock.now() - HOUR)
    expect(ledger.report('never-seen')).toBeUndefined()
    await ledger.close()
  })

  it('keeps an open incident open, growing with time', async () => {
    const ledger = await open()
    step(ledger, { state: 'down', reason: 'timeout' }, 30)
    const report = ledger.report('a')
    expect(report?.state).toBe('down')
    expect(report?.incidents).toEqual([
      {
        start: clock.now() - 30 * MIN,
        end: undefined,
        durationMs: 30 * MIN,
        planned: false,
        reason: 'timeout',
      },
    ])
    expect(windowOf(report, HOUR).unplannedDowntimeMs).toBe(30 * MIN)
    await ledger.close()
  })

  it('splits an incident when a drain is laid over a failure', async () => {
    const ledger = await open()
    step(ledger, { state: 'down', reason: 'timeout' }, 4)
    step(ledger, { state: 'down', reason: 'timeout again' }, 3) // same kind: still the first incident
    step(ledger, { state: 'down', planned: true, reason: 'drain' }, 20)
    step(ledger, { state: 'up' }, 0)
    const report = ledger.report('a')
    expect(report?.incidents.map((i) => [i.durationMs / MIN, i.planned, i.reason])).toEqual([
      [7, false, 'timeout'],
      [20, true, 'drain'],
    ])
    expect(windowOf(report, HOUR).budget.usedMs).toBe(7 * MIN)
    await ledger.close()
  })

  it('computes MTTR and MTBF from closed unplanned incidents', async () => {
    const ledger = await open()
    step(ledger, { state: 'down' }, 2)
    step(ledger, { state: 'up' }, 10)
    step(ledger, { state: 'down' }, 4)
    step(ledger, { state: 'up' }, 5)
    step(ledger, { state: 'down', planned: true }, 5)
    step(ledger, { state: 'up' }, 10)
    step(ledger, { state: 'down' }, 6)
    step(ledger, { state: 'up' }, 1)
    const report = ledger.report('a')
    expect(report?.mttrMs).toBe(4 * MIN)
    expect(report?.mtbfMs).toBe(12.5 * MIN)
    await ledger.close()
  })

  it('takes a change stamped in the past as happening at the last recorded instant', async () => {
    const ledger = await open()
    const lastRecorded = clock.now()
    step(ledger, { state: 'up' }, 10)
    ledger.record({
      endpointId: 'a',
      state: 'down',
      at: lastRecorded - 30 * MIN,
      planned: false,
      reason: 'late',
    })
    clock.advance(5 * MIN)
    expect(ledger.report('a')?.incidents[0]).toMatchObject({ start: lastRecorded, durationMs: 15 * MIN })
    await ledger.close()
  })
})

describe('pools', () => {
  it('are down while none of their endpoints is up', async () => {
    const ledger = await open()
    const at = (endpointId: string, state: 'up' | 'down', planned = false, reason = '') =>
      ledger.record({ endpointId, pool: 'web', state, at: clock.now(), planned, reason })
    at('a', 'up')
    at('b', 'up')
    clock.advance(5 * MIN)
    at('a', 'down', false, 'timeout')
    clock.advance(5 * MIN)
    at('b', 'down', false, 'refused') // pool down from here
    clock.advance(3 * MIN)
    at('a', 'up') // pool up again
    clock.advance(7 * MIN)
    at('b', 'down', true, 'drain') // b was already down unplanned; pool is up anyway
    at('a', 'down', true, 'drain') // both planned: a planned pool outage
    clock.advance(4 * MIN)
    at('a', 'up')
    clock.advance(1 * MIN)

    const report = ledger.report({ pool: 'web' })
    expect(report?.incidents.map((i) => [i.durationMs / MIN, i.planned, i.reason])).toEqual([
      [3, false, 'b: refused'],
      [4, true, 'a: drain'],
    ])
    expect(windowOf(report, HOUR)).toMatchObject({
      trackedMs: 25 * MIN,
      plannedDowntimeMs: 4 * MIN,
      unplannedDowntimeMs: 3 * MIN,
    })
    expect(ledger.subjects()).toEqual({ endpoints: ['a', 'b'], pools: ['web'] })
    await ledger.close()
  })

  it('count an outage as unplanned unless every endpoint is down for planned work', async () => {
    const ledger = await open()
    ledger.record({
      endpointId: 'a',
      pool: 'p',
      state: 'down',
      at: clock.now(),
      planned: true,
      reason: 'drain',
    })
    ledger.record({
      endpointId: 'b',
      pool: 'p',
      state: 'down',
      at: clock.now(),
      planned: false,
      reason: 'crash',
    })
    clock.advance(10 * MIN)
    expect(windowOf(ledger.report({ pool: 'p' }), HOUR)).toMatchObject({
      plannedDowntimeMs: 0,
      unplannedDowntimeMs: 10 * MIN,
    })
    await ledger.close()
  })
})

describe('persistence', () => {
  it('continues the history after a restart: an open incident stays open', async () => {
    const first = await open()
    step(first, { state: 'up', pool: 'web' }, 20)
    step(first, { state: 'down', reason: 'timeout' }, 10)
    await first.close()

    clock.advance(30 * MIN)
    const second = await open()
    expect(second.loadStats).toMatchObject({ files: 1, events: 2, tornLines: 0, invalidLines: 0 })
    const report = second.report('a')
    expect(report?.state).toBe('down')
    expect(report?.incidents).toEqual([
      {
        start: clock.now() - 40 * MIN,
        end: undefined,
        durationMs: 40 * MIN,
        planned: false,
        reason: 'timeout',
      },
    ])
    expect(second.report({ pool: 'web' })?.state).toBe('down')
    step(second, { state: 'up' }, 0)
    expect(second.report('a')?.incidents[0]?.end).toBe(clock.now())
    expect(windowOf(second.report('a'), HOUR).unplannedDowntimeMs).toBe(40 * MIN)
    await second.close()
  })

  it('skips and counts a torn last line and invalid lines, losing nothing else', async () => {
    const first = await open()
    step(first, { state: 'down', reason: 'timeout' }, 10)
    step(first, { state: 'up' }, 10)
    await first.close()
    const file = join(directory, 'events-2026-01-10.jsonl')
    await writeFile(file, 'not json\n{"endpointId":"a","state":"sideways"}\n', { flag: 'a' })
    await writeFile(file, '{"endpointId":"a","state":"down","at":', { flag: 'a' })

    const second = await open()
    expect(second.loadStats).toMatchObject({ events: 2, tornLines: 1, invalidLines: 2 })
    expect(second.report('a')?.incidents).toHaveLength(1)
    step(second, { state: 'down', reason: 'refused' }, 5)
    await second.close()

    // The torn fragment was cut off, so the next append started a line of its own.
    const third = await open()
    expect(third.loadStats).toMatchObject({ events: 3, tornLines: 0, invalidLines: 2 })
    expect(third.report('a')?.incidents.map((i) => i.reason)).toEqual(['timeout', 'refused'])
    await third.close()
  })

  it('throws NINES_ERR_LEDGER_DIRECTORY only for an unusable directory', async () => {
    const file = join(directory, 'a-file')
    await writeFile(file, '')
    const error = await AvailabilityLedger.open({ directory: join(file, 'ledger'), clock }).catch(
      (e: unknown) => e,
    )
    expect(isNinesError(error, 'NINES_ERR_LEDGER_DIRECTORY')).toBe(true)
  })

  it('reports a failed write on flush as NINES_ERR_LEDGER_WRITE and keeps counting in memory', async () => {
    const ledger = await open()
    await rm(directory, { recursive: true })
    step(ledger, { state: 'down', reason: 'timeout' }, 10)
    const error = await ledger.flush().catch((e: unknown) => e)
    expect(isNinesError(error, 'NINES_ERR_LEDGER_WRITE')).toBe(true)
    expect(ledger.report('a')?.state).toBe('down')
    await expect(ledger.flush()).resolves.toBeUndefined()
  })

  it('refuses misuse: bad events, records after close', async () => {
    const ledger = await open()
    expect(() => ledger.record({ endpointId: '', state: 'up', at: 0, planned: false, reason: '' })).toThrow(
      /endpointId/,
    )
    await ledger.close()
    let error: unknown
    try {
      step(ledger, { state: 'up' }, 0)
    } catch (e) {
      error = e
    }
    expect(isNinesError(error, 'NINES_ERR_LEDGER_CLOSED')).toBe(true)
  })
})
