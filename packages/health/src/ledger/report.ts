import { availability, errorBudget, ninesOf, type ErrorBudget } from './availability.js'
import type { Downtime, Incident } from './timeline.js'

/** The windows every report covers: 1 h, 24 h, 7 d, 30 d, 365 d. */
export const LEDGER_WINDOWS_MS: readonly number[] = [
  3_600_000,
  86_400_000,
  7 * 86_400_000,
  30 * 86_400_000,
  365 * 86_400_000,
]

export interface WindowReport {
  readonly windowMs: number
  /** The part of the window inside the tracked history (history starts at the first record). */
  readonly trackedMs: number
  /** Over `trackedMs`, counting all downtime: planned or not, down is down for the user. */
  readonly availability: number
  readonly nines: number
  readonly downtimeMs: number
  readonly plannedDowntimeMs: number
  readonly unplannedDowntimeMs: number
  /** Unplanned downtime against the SLO over `trackedMs`; planned work does not spend the budget. */
  readonly budget: ErrorBudget
}

export interface IncidentReport {
  readonly start: number
  /** Undefined while the incident is open. */
  readonly end: number | undefined
  /** Up to the report's `now` while open. */
  readonly durationMs: number
  readonly planned: boolean
  readonly reason: string
}

export function windowReport(
  windowMs: number,
  trackedMs: number,
  downtime: Downtime,
  slo: number,
): WindowReport {
  const downtimeMs = downtime.plannedMs + downtime.unplannedMs
  const fraction = availability(trackedMs, downtimeMs)
  return {
    windowMs,
    trackedMs,
    availability: fraction,
    nines: ninesOf(fraction),
    downtimeMs,
    plannedDowntimeMs: downtime.plannedMs,
    unplannedDowntimeMs: downtime.unplannedMs,
    budget: errorBudget(slo, trackedMs, downtime.unplannedMs),
  }
}

export function incidentReport(incident: Incident, nowMs: number): IncidentReport {
  return {
    start: incident.start,
    end: incident.end,
    durationMs: Math.max(0, (incident.end ?? nowMs) - incident.start),
    planned: incident.planned,
    reason: incident.reason,
  }
}

/** Mean duration of the closed unplanned incidents; undefined when there is none. */
export function meanTimeToRecoverMs(incidents: readonly IncidentReport[]): number | undefined {
  const closed = incidents.filter((i) => !i.planned && i.end !== undefined)
  return closed.length === 0 ? undefined : closed.reduce((sum, i) => sum + i.durationMs, 0) / closed.length
}

/**
 * Mean up-time between the end of one unplanned incident and the start of the next (planned downtime in
 * between is not up-time, so it is left out); undefined with fewer than two unplanned incidents.
 */
export function meanTimeBetweenFailuresMs(incidents: readonly IncidentReport[]): number | undefined {
  const sorted = [...incidents].sort((a, b) => a.start - b.start)
  const gaps: number[] = []
  let previous: IncidentReport | undefined
  let plannedSinceMs = 0
  for (const incident of sorted) {
    if (incident.planned) {
      if (previous) plannedSinceMs += incident.durationMs
      continue
    }
    if (previous?.end !== undefined) gaps.push(Math.max(0, incident.start - previous.end - plannedSinceMs))
    previous = incident
    plannedSinceMs = 0
  }
  return gaps.length === 0 ? undefined : gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length
}
