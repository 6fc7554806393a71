import { appendFile, rename, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { InvalidArgumentError, NinesError, type Clock } from '@nines/core'
import { toLine } from './jsonl.js'
import {
  LEDGER_WINDOWS_MS,
  incidentReport,
  meanTimeBetweenFailuresMs,
  meanTimeToRecoverMs,
  windowReport,
  type IncidentReport,
  type WindowReport,
} from './report.js'
import { DAY_MS, dayStartOf, rollUpDay, rollupDowntime, type DayRollup } from './rollup.js'
import { fromRollupLine, latestPerDay, rollupLine } from './rollup-line.js'
import {
  ledgerEventSchema,
  ledgerOptionsSchema,
  type LedgerEvent,
  type LedgerOptions,
  type LedgerOptionsInput,
  type RollupLine,
} from './schema.js'
import {
  ensureDirectory,
  eventFileName,
  listEventFiles,
  readLedgerDirectory,
  rollupsPath,
  type LoadStats,
} from './store.js'
import { Timeline, type Downtime } from './timeline.js'

/** An endpoint by id, or a pool by name. */
export type LedgerSubject = string | { readonly pool: string }

export interface AvailabilityReport {
  readonly subject: LedgerSubject
  /** The report's `now`. */
  readonly at: number
  /** The first record; time before it is not counted. */
  readonly trackedSince: number
  readonly state: 'up' | 'down'
  /** One per `LEDGER_WINDOWS_MS`, shortest first. */
  readonly windows: WindowReport[]
  /** Incidents overlapping the raw retention period, oldest first; the open one last. */
  readonly incidents: IncidentReport[]
  readonly mttrMs: number | undefined
  readonly mtbfMs: number | undefined
}

export type { LoadStats }

export interface LedgerInit {
  readonly directory: string
  readonly clock: Clock
  /** Validated with `ledgerOptionsSchema`. */
  readonly options?: LedgerOptionsInput
}

interface History {
  timeline: Timeline | undefined
  rollups: DayRollup[]
}

interface EndpointHistory extends History {
  pool: string | undefined
}

interface PoolHistory extends History {
  readonly members: Set<string>
}

/**
 * Availability of endpoints and pools over 1 h … 365 d, kept in a directory as append-only JSON lines:
 * raw state changes in one file per UTC day (kept `rawRetentionDays`) and daily roll-ups (kept
 * `rollupRetentionDays`). Memory holds the roll-ups and the incidents of the raw retention period.
 */
export class AvailabilityLedger {
  readonly directory: string
  readonly options: LedgerOptions
  readonly loadStats: LoadStats
  readonly #clock: Clock
  readonly #endpoints = new Map<string, EndpointHistory>()
  readonly #pools = new Map<string, PoolHistory>()
  /** Every day before this one is rolled up. */
  #rolledUntil = 0
  /** Changes are kept in time order, so replaying the files in order rebuilds the same history. */
  #lastAt = 0
  #writes: Promise<void> = Promise.resolve()
  #writeError: unknown
  #rollupsExpired = false
  #closed = false

  private constructor(init: LedgerInit, options: LedgerOptions, loadStats: LoadStats) {
    this.directory = init.directory
    this.#clock = init.clock
    this.options = options
    this.loadStats = loadStats
  }

  /** Loads the directory (creating it if needed); throws `NINES_ERR_LEDGER_DIRECTORY` only if it is unusable. */
  static async open(init: LedgerInit): Promise<AvailabilityLedger> {
    const parsed = ledgerOptionsSchema.safeParse(init.options ?? {})
    if (!parsed.success) throw new InvalidArgumentError(`ledger options: ${z.prettifyError(parsed.error)}`)
    await ensureDirectory(init.directory)
    const read = await readLedgerDirectory(init.directory)
    const ledger = new AvailabilityLedger(init, parsed.data, read.stats)
    ledger.#load(read.rollups, read.firstFileDay, read.events)
    return ledger
  }

  /**
   * Records a state change of an endpoint. Time only moves forward: a change stamped before the last
   * recorded one, or on a day already rolled up, is taken as happening at the earliest instant still open.
   * The write is queued; `flush()` waits for it.
   */
  record(event: LedgerEvent): void {
    this.#assertOpen()
    const parsed = ledgerEventSchema.safeParse(event)
    if (!parsed.success) throw new InvalidArgumentError(`ledger event: ${z.prettifyError(parsed.error)}`)
    this.#rollOver(this.#clock.now())
    const at = Math.max(parsed.data.at, this.#rolledUntil, this.#lastAt)
    const stored: LedgerEvent = { ...parsed.data, at }
    this.#lastAt = at
    this.#apply(stored)
    const path = join(this.directory, eventFileName(at))
    const line = toLine(stored)
    this.#enqueue(() => appendFile(path, line))
  }

  /** The availability of an endpoint (by id) or a pool; undefined if nothing was ever recorded for it. */
  report(subject: LedgerSubject, nowMs: number = this.#clock.now()): AvailabilityReport | undefined {
    const history = typeof subject === 'string' ? this.#endpoints.get(subject) : this.#pools.get(subject.pool)
    const timeline = history?.timeline
    if (!history || !timeline) return undefined
    const windows = LEDGER_WINDOWS_MS.map((windowMs) => {
      const fromMs = Math.max(nowMs - windowMs, timeline.trackedSince)
      const trackedMs = Math.max(0, nowMs - fromMs)
      return windowReport(
        windowMs,
        trackedMs,
        this.#downtime(history, timeline, fromMs, nowMs),
        this.options.slo,
      )
    })
    const sinceMs = nowMs - this.options.rawRetentionDays * DAY_MS
    const incidents = timeline
      .incidents()
      .filter((i) => i.start <= nowMs && (i.end ?? Number.POSITIVE_INFINITY) > sinceMs)
      .map((i) => incidentReport(i, nowMs))
    return {
      subject,
      at: nowMs,
      trackedSince: timeline.trackedSince,
      state: timeline.state,
      windows,
      incidents,
      mttrMs: meanTimeToRecoverMs(incidents),
      mtbfMs: meanTimeBetweenFailuresMs(incidents),
    }
  }

  /** Endpoints and pools with a history. */
  subjects(): { endpoints: string[]; pools: string[] } {
    const tracked = (map: Map<string, History>) =>
      [...map].filter(([, h]) => h.timeline).map(([name]) => name)
    return { endpoints: tracked(this.#endpoints), pools: tracked(this.#pools) }
  }

  /**
   * Rolls up every complete day, then deletes raw files past `rawRetentionDays` and roll-ups past
   * `rollupRetentionDays`. Call it about daily; roll-ups also happen lazily on `record`.
   */
  async compact(nowMs: number = this.#clock.now()): Promise<void> {
    this.#assertOpen()
    this.#rollOver(nowMs, true)
    const pruneBefore = Math.min(
      dayStartOf(nowMs) - this.options.rawRetentionDays * DAY_MS,
      this.#rolledUntil,
    )
    this.#enqueue(async () => {
      for (const file of await listEventFiles(this.directory)) {
        if (file.dayStart < pruneBefore) await unlink(join(this.directory, file.name))
      }
    })
    if (this.#rollupsExpired) {
      this.#rollupsExpired = false
      // Snapshot now: roll-ups queued after this point are appended to the rewritten file.
      const text = this.#rollupLines().join('')
      const path = rollupsPath(this.directory)
      this.#enqueue(async () => {
        await writeFile(`${path}.tmp`, text)
        await rename(`${path}.tmp`, path)
      })
    }
    await this.flush()
  }

  /** Waits for queued writes; throws `NINES_ERR_LEDGER_WRITE` if one failed since the last flush. */
  async flush(): Promise<void> {
    await this.#writes
    const error = this.#writeError
    if (error === undefined) return
    this.#writeError = undefined
    const detail = error instanceof Error ? error.message : String(error)
    throw new NinesError('NINES_ERR_LEDGER_WRITE', `ledger write in ${this.directory} failed: ${detail}`, {
      cause: error,
    })
  }

  /** Flushes and refuses further records (`NINES_ERR_LEDGER_CLOSED`). Open incidents stay open on disk. */
  async close(): Promise<void> {
    this.#closed = true
    await this.flush()
  }

  #assertOpen(): void {
    if (this.#closed) throw new NinesError('NINES_ERR_LEDGER_CLOSED', `ledger ${this.directory} is closed`)
  }

  // One chain keeps appends in order and off the caller's path; a failure is kept for flush().
  #enqueue(write: () => Promise<unknown>): void {
    this.#writes = this.#writes.then(write).then(
      () => undefined,
      (error: unknown) => {
        this.#writeError ??= error
      },
    )
  }

  #downtime(history: History, timeline: Timeline, fromMs: number, toMs: number): Downtime {
    const split = timeline.detailSince
    const old = rollupDowntime(history.rollups, fromMs, Math.min(toMs, split))
    const recent = timeline.downtime(Math.max(fromMs, split), toMs)
    return { plannedMs: old.plannedMs + recent.plannedMs, unplannedMs: old.unplannedMs + recent.unplannedMs }
  }

  #apply(event: LedgerEvent): void {
    const endpoint = this.#endpoint(event.endpointId)
    endpoint.timeline ??= new Timeline(event.at)
    const previousPool = endpoint.pool
    if (event.pool !== undefined && event.pool !== previousPool) {
      if (previousPool !== undefined) this.#pool(previousPool).members.delete(event.endpointId)
      this.#pool(event.pool).members.add(event.endpointId)
      endpoint.pool = event.pool
    }
    endpoint.timeline.apply(event.state, event.at, event.planned, event.reason)
    if (previousPool !== undefined && previousPool !== endpoint.pool) this.#derivePool(previousPool, event)
    if (endpoint.pool !== undefined) this.#derivePool(endpoint.pool, event)
  }

  /**
   * A pool is down while none of its endpoints is up; the outage is planned only if every endpoint is
   * down for planned work. A pool left with no endpoints keeps its last state.
   */
  #derivePool(name: string, event: LedgerEvent): void {
    const pool = this.#pool(name)
    const members = [...pool.members].flatMap((id) => this.#endpoints.get(id)?.timeline ?? [])
    if (members.length === 0) return
    pool.timeline ??= new Timeline(event.at)
    if (members.some((m) => m.state === 'up')) {
      pool.timeline.apply('up', event.at, false, '')
      return
    }
    const planned = members.every((m) => m.open?.planned === true)
    pool.timeline.apply('down', event.at, planned, `${event.endpointId}: ${event.reason}`)
  }

  #endpoint(id: string): EndpointHistory {
    let history = this.#endpoints.get(id)
    if (!history) {
      history = { timeline: undefined, rollups: [], pool: undefined }
      this.#endpoints.set(id, history)
    }
    return history
  }

  #pool(name: string): PoolHistory {
    let history = this.#pools.get(name)
    if (!history) {
      history = { timeline: undefined, rollups: [], members: new Set() }
      this.#pools.set(name, history)
    }
    return history
  }

  /**
   * Rolls up each complete day not yet rolled up, then drops what no window needs any more (only when a
   * day was rolled up, or when compacting, so a record stays cheap).
   */
  #rollOver(nowMs: number, compacting = false): void {
    const today = dayStartOf(nowMs)
    const rolledBefore = this.#rolledUntil
    const lines: string[] = []
    for (; this.#rolledUntil < today; this.#rolledUntil += DAY_MS) {
      const day = this.#rolledUntil
      for (const [endpointId, history] of this.#endpoints) {
        const rollup = history.timeline && rollUpDay(history.timeline, day, history.pool)
        if (!rollup) continue
        history.rollups.push(rollup)
        lines.push(toLine(rollupLine({ endpointId }, rollup)))
      }
      for (const [pool, history] of this.#pools) {
        const rollup = history.timeline && rollUpDay(history.timeline, day)
        if (!rollup) continue
        history.rollups.push(rollup)
        lines.push(toLine(rollupLine({ pool }, rollup)))
      }
    }
    if (lines.length > 0) {
      const path = rollupsPath(this.directory)
      const text = lines.join('')
      this.#enqueue(() => appendFile(path, text))
    }
    if (!compacting && this.#rolledUntil === rolledBefore) return
    const detailBefore = Math.min(today - this.options.rawRetentionDays * DAY_MS, this.#rolledUntil)
    const rollupsBefore = today - this.options.rollupRetentionDays * DAY_MS
    for (const history of [...this.#endpoints.values(), ...this.#pools.values()]) {
      history.timeline?.trimBefore(detailBefore)
      const kept = history.rollups.filter((r) => r.dayStart >= rollupsBefore)
      if (kept.length < history.rollups.length) this.#rollupsExpired = true
      history.rollups = kept
    }
  }

  #rollupLines(): string[] {
    const lines: { dayStart: number; line: string }[] = []
    for (const [endpointId, history] of this.#endpoints) {
      for (const r of history.rollups)
        lines.push({ dayStart: r.dayStart, line: toLine(rollupLine({ endpointId }, r)) })
    }
    for (const [pool, history] of this.#pools) {
      for (const r of history.rollups)
        lines.push({ dayStart: r.dayStart, line: toLine(rollupLine({ pool }, r)) })
    }
    return lines.sort((a, b) => a.dayStart - b.dayStart).map((l) => l.line)
  }

  /**
   * Rebuilds memory: each subject resumes from its last roll-up before the oldest raw file, then the raw
   * files are replayed in order, so a restart continues the history (an open incident stays open).
   */
  #load(
    lines: readonly RollupLine[],
    firstFileDay: number | undefined,
    events: readonly LedgerEvent[],
  ): void {
    let rolledUntil: number | undefined
    for (const line of lines) {
      const history =
        line.endpointId !== undefined
          ? this.#endpoint(line.endpointId)
          : line.pool !== undefined
            ? this.#pool(line.pool)
            : undefined
      if (!history) continue
      const rollup = fromRollupLine(line)
      history.rollups.push(rollup)
      rolledUntil = Math.max(rolledUntil ?? 0, rollup.dayStart + DAY_MS)
    }
    for (const history of [...this.#endpoints.values(), ...this.#pools.values()]) {
      history.rollups = latestPerDay(history.rollups)
    }
    const replayFrom = firstFileDay ?? Number.POSITIVE_INFINITY
    this.#resumeAll((r) => r.dayStart + DAY_MS <= replayFrom)
    // Replayed changes keep their stamps: they were put in order when recorded.
    for (const event of events) {
      this.#lastAt = Math.max(this.#lastAt, event.at)
      this.#apply(event)
    }
    // Roll-ups with no raw file after them (files removed by hand): resume from the latest one.
    this.#resumeAll(() => true)
    this.#rolledUntil = rolledUntil ?? firstFileDay ?? dayStartOf(this.#clock.now())
    this.#lastAt = Math.max(this.#lastAt, this.#rolledUntil)
  }

  #resumeAll(usable: (r: DayRollup) => boolean): void {
    for (const history of this.#pools.values()) resume(history, usable)
    for (const [endpointId, history] of this.#endpoints) {
      const from = resume(history, usable)
      if (from?.pool === undefined) continue
      history.pool = from.pool
      this.#pool(from.pool).members.add(endpointId)
    }
  }
}

/** Gives a history without a timeline one that continues from its last usable roll-up; returns that roll-up. */
function resume(history: History, usable: (r: DayRollup) => boolean): DayRollup | undefined {
  if (history.timeline) return undefined
  const from = history.rollups.findLast(usable)
  if (from) history.timeline = new Timeline(from.trackedSince, from.end, from.dayStart + DAY_MS)
  return from
}
