import { overlapMs, type Downtime, type Timeline, type TimelineState } from './timeline.js'

export const DAY_MS = 86_400_000

/** One UTC day of one endpoint or pool, summarised so raw events can be pruned. */
export interface DayRollup {
  /** Start of the UTC day, epoch ms. */
  readonly dayStart: number
  readonly trackedSince: number
  readonly plannedDownMs: number
  readonly unplannedDownMs: number
  /** Incidents that started this day. */
  readonly incidents: number
  /**
   * The day's down intervals `[start, end, planned]`, clipped to the day. Kept so a window that starts
   * mid-day long after the raw events are gone (the 365-day one) is still exact.
   */
  readonly down: readonly (readonly [number, number, boolean])[]
  /** The state handed to the next day; a restart resumes from it when that day's raw events are gone. */
  readonly end: TimelineState
  /** For an endpoint: the pool it belonged to, so a restart knows pool membership too. */
  readonly pool?: string | undefined
}

export function dayStartOf(atMs: number): number {
  return Math.floor(atMs / DAY_MS) * DAY_MS
}

/** `2026-01-31` for any instant of that UTC day. */
export function dayName(atMs: number): string {
  return new Date(dayStartOf(atMs)).toISOString().slice(0, 10)
}

/** Start of the UTC day named `2026-01-31`. */
export function dayStartOfName(name: string): number {
  return Date.parse(`${name}T00:00:00.000Z`)
}

/** The roll-up of one day, or undefined when the timeline had not started by the day's end. */
export function rollUpDay(timeline: Timeline, dayStart: number, pool?: string): DayRollup | undefined {
  const dayEnd = dayStart + DAY_MS
  const from = Math.max(dayStart, timeline.trackedSince)
  if (from >= dayEnd) return undefined
  const down: [number, number, boolean][] = []
  let plannedDownMs = 0
  let unplannedDownMs = 0
  let incidents = 0
  for (const incident of timeline.incidents()) {
    if (incident.start >= dayStart && incident.start < dayEnd) incidents += 1
    const start = Math.max(incident.start, from)
    const end = Math.min(incident.end ?? dayEnd, dayEnd)
    if (end <= start) continue
    down.push([start, end, incident.planned])
    if (incident.planned) plannedDownMs += end - start
    else unplannedDownMs += end - start
  }
  return {
    dayStart,
    trackedSince: timeline.trackedSince,
    plannedDownMs,
    unplannedDownMs,
    incidents,
    down,
    end: timeline.stateAt(dayEnd),
    pool,
  }
}

/** Downtime inside [fromMs, toMs) according to roll-ups (whole days from totals, partial days from intervals). */
export function rollupDowntime(rollups: readonly DayRollup[], fromMs: number, toMs: number): Downtime {
  const total: Downtime = { plannedMs: 0, unplannedMs: 0 }
  for (const rollup of rollups) {
    const dayEnd = rollup.dayStart + DAY_MS
    if (dayEnd <= fromMs || rollup.dayStart >= toMs) continue
    if (rollup.dayStart >= fromMs && dayEnd <= toMs) {
      total.plannedMs += rollup.plannedDownMs
      total.unplannedMs += rollup.unplannedDownMs
      continue
    }
    for (const [start, end, planned] of rollup.down) {
      const ms = overlapMs(start, end, fromMs, toMs)
      if (planned) total.plannedMs += ms
      else total.unplannedMs += ms
    }
  }
  return total
}
