import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ManualClock, seededRng, type Rng } from '@nines/core'
import { AvailabilityLedger, type AvailabilityReport } from './ledger.js'
import type { LedgerEvent } from './schema.js'

const MIN = 60_000
const HOUR = 60 * MIN
const DAY = 24 * HOUR
const START = Date.UTC(2025, 0, 1, 7, 30)
const END = START + 410 * DAY + 5 * HOUR + 13 * MIN

let directory: string

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'nines-ledger-retention-'))
})

afterEach(async () => {
  await rm(directory, { recursive: true, force: true })
})

function between(rng: Rng, minMs: number, maxMs: number): number {
  return Math.round(minMs + rng.next() * (maxMs - minMs))
}

/** Up and down periods of one endpoint: outages of a minute to a day and a half, some planned, some drained mid-way. */
function synthesise(rng: Rng, endpointId: string, pool: string | undefined): LedgerEvent[] {
  const base = { endpointId, ...(pool ? { pool } : {}) }
  const events: LedgerEvent[] = [{ ...base, state: 'up', at: START, planned: false, reason: 'first probe' }]
  let at = START
  for (;;) {
    at += between(rng, 2 * HOUR, 3 * DAY)
    if (at >= END) return events
    const planned = rng.next() < 0.3
    events.push({ ...base, state: 'down', at, planned, reason: planned ? 'maintenance' : 'timeout' })
    if (!planned && rng.next() < 0.2) {
      at += between(rng, MIN, 2 * HOUR)
      events.push({ ...base, state: 'down', at, planned: true, reason: 'drain' })
    }
    at += between(rng, MIN, 36 * HOUR)
    events.push({ ...base, state: 'up', at, planned: false, reason: 'recovered' })
  }
}

interface Totals {
  plannedMs: number
  unplannedMs: number
}

/** Independent reference: sweep the raw events; each holds until the next change of any listed endpoint. */
function reference(
  events: readonly LedgerEvent[],
  members: readonly string[],
  fromMs: number,
  toMs: number,
): Totals {
  const states = new Map<string, LedgerEvent>()
  const totals: Totals = { plannedMs: 0, unplannedMs: 0 }
  const relevant = events.filter((e) => members.includes(e.endpointId))
  relevant.forEach((event, i) => {
    states.set(event.endpointId, event)
    const end = relevant[i + 1]?.at ?? toMs
    const overlap = Math.max(0, Math.min(end, toMs) - Math.max(event.at, fromMs))
    const current = [...states.values()]
    if (overlap === 0 || current.length < members.length || current.some((s) => s.state === 'up')) return
    if (current.every((s) => s.planned)) totals.plannedMs += overlap
    else totals.unplannedMs += overlap
  })
  return totals
}

function windowTotals(report: AvailabilityReport | undefined, windowMs: number): Totals {
  const window = report?.windows.find((w) => w.windowMs === windowMs)
  return { plannedMs: window?.plannedDowntimeMs ?? -1, unplannedMs: window?.unplannedDowntimeMs ?? -1 }
}

describe('AvailabilityLedger retention', () => {
  it('keeps the 365-day window exact after raw events are pruned, also across a restart', async () => {
    const rng = seededRng(2026)
    const events = [
      ...synthesise(rng, 'a', 'web'),
      ...synthesise(rng, 'b', 'web'),
      ...synthesise(rng, 'c', undefined),
    ]
    events.sort((x, y) => x.at - y.at)
    const clock = new ManualClock(START)
    const ledger = await AvailabilityLedger.open({ directory, clock })
    let day = Math.floor(START / DAY)
    for (const event of events) {
      clock.advance(event.at - clock.now())
      if (Math.floor(event.at / DAY) !== day) {
        day = Math.floor(event.at / DAY)
        await ledger.compact()
      }
      ledger.record(event)
    }
    clock.advance(END - clock.now())
    await ledger.compact()

    const files = (await readdir(directory)).filter((name) => name.startsWith('events-')).sort()
    expect(files.length).toBeGreaterThan(0)
    expect(files.length).toBeLessThanOrEqual(31)
    expect(files[0]! >= `events-${new Date(END - 30 * DAY).toISOString().slice(0, 10)}`).toBe(true)
    const rollupDays = (await readFile(join(directory, 'rollups.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { day: string }).day)
      .sort()
    // Ten days of roll-ups have expired and the file was rewritten without them.
    expect(rollupDays[0]).toBe(new Date(END - 400 * DAY).toISOString().slice(0, 10))

    const subjects = [
      { subject: 'a', members: ['a'] },
      { subject: 'c', members: ['c'] },
      { subject: { pool: 'web' }, members: ['a', 'b'] },
    ] as const
    const before = subjects.map(({ subject }) => ledger.report(subject))
    subjects.forEach(({ members }, i) => {
      for (const windowMs of [365 * DAY, 30 * DAY, 7 * DAY]) {
        const expected = reference(events, members, END - windowMs, END)
        expect(expected.plannedMs + expected.unplannedMs).toBeGreaterThan(0)
        expect(windowTotals(before[i], windowMs)).toEqual(expected)
      }
      expect(before[i]?.windows.at(-1)?.trackedMs).toBe(365 * DAY)
    })
    await ledger.close()

    const restarted = await AvailabilityLedger.open({ directory, clock })
    expect(restarted.loadStats).toMatchObject({ tornLines: 0, invalidLines: 0 })
    expect(subjects.map(({ subject }) => restarted.report(subject))).toEqual(before)
    // Pool membership survived too, though the events naming the pool were pruned.
    const steps = [
      ['a', 'up', 'up'],
      ['b', 'up', 'up'],
      ['a', 'down', 'up'],
      ['b', 'down', 'down'],
      ['a', 'up', 'up'],
    ] as const
    for (const [endpointId, state, poolState] of steps) {
      restarted.record({ endpointId, state, at: clock.now(), planned: false, reason: 'after restart' })
      expect(restarted.report({ pool: 'web' })?.state).toBe(poolState)
    }
    await restarted.close()
  }, 60_000)
})
