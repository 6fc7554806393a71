import { dayName, dayStartOfName, type DayRollup } from './rollup.js'
import type { RollupLine } from './schema.js'

/** Sorted by day; a day written twice (a rewrite cut short by a crash) keeps its last line. */
export function latestPerDay(rollups: readonly DayRollup[]): DayRollup[] {
  const byDay = new Map<number, DayRollup>()
  for (const rollup of rollups) byDay.set(rollup.dayStart, rollup)
  return [...byDay.values()].sort((a, b) => a.dayStart - b.dayStart)
}

export function rollupLine(subject: { endpointId: string } | { pool: string }, r: DayRollup): RollupLine {
  return {
    day: dayName(r.dayStart),
    ...subject,
    ...('endpointId' in subject && r.pool !== undefined ? { pool: r.pool } : {}),
    trackedSince: r.trackedSince,
    plannedDownMs: r.plannedDownMs,
    unplannedDownMs: r.unplannedDownMs,
    incidents: r.incidents,
    down: r.down.map(([start, end, planned]) => [start, end, planned]),
    end: r.end,
  }
}

export function fromRollupLine(line: RollupLine): DayRollup {
  return {
    dayStart: dayStartOfName(line.day),
    trackedSince: line.trackedSince,
    plannedDownMs: line.plannedDownMs,
    unplannedDownMs: line.unplannedDownMs,
    incidents: line.incidents,
    down: line.down,
    end: line.end,
    pool: line.endpointId !== undefined ? line.pool : undefined,
  }
}
