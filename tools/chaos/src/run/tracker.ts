import type { FaultFigures, ObservedRequest } from '../report/index.js'
import { available } from '../report/index.js'
import type { Fault } from '../schedule/index.js'
import { isEjection, type Marks } from './observe.js'

/** How long after the heal a first mark still counts as this fault's (late) detection: the probes' lag. */
export const LATE_DETECTION_MS = 5_000

/**
 * One fault as it goes: when it was injected and healed (epoch ms), and, from the observers' marks, when
 * a router (or a nameserver, for a router) first marked its target not up and when none did any more.
 * A mark seen up to `LATE_DETECTION_MS` after the heal still counts as the detection (probes lag), and
 * recovery is then timed from the heal.
 */
export class FaultTracker {
  injectedAt: number | undefined
  healedAt: number | undefined
  /** Set when the heal completed: the target runs and answers (`start()` or the switch returned). */
  healed = false
  /** When the heal completed (a restart takes seconds). */
  healDoneAt: number | undefined
  detectedAt: number | undefined
  detectedBy: string | undefined
  recoveredAt: number | undefined
  /** No router ejects it either: back in rotation (outlier ejection outlasts the probes' verdict). */
  inRotationAt: number | undefined
  /** The observers marking the target at the last poll. */
  lastMarkedBy: readonly string[] = []
  /** Set for faults whose target no router watches (nameservers), or that failed to stage. */
  note: string | undefined
  /** Recovery measured by the action itself (a restarted nameserver: ready again). */
  servingAgainMs: number | undefined

  constructor(readonly fault: Fault) {}

  get watched(): boolean {
    return this.fault.action !== 'burst' && this.note === undefined
  }

  onMarks(at: number, marks: Marks): void {
    if (!this.watched || this.injectedAt === undefined || this.inRotationAt !== undefined) return
    const by = marks.get(this.fault.target) ?? []
    this.lastMarkedBy = by
    if (this.detectedAt === undefined) {
      // A mark long after the heal belongs to a later fault on the same target, not to this one.
      if (this.healedAt !== undefined && at > this.healedAt + LATE_DETECTION_MS) return
      if (by.length > 0) {
        this.detectedAt = at
        this.detectedBy = by.join(', ')
      }
      return
    }
    if (this.healedAt === undefined) return
    if (this.recoveredAt === undefined && by.every(isEjection)) this.recoveredAt = at
    if (by.length === 0) this.inRotationAt = at
  }

  figures(runStart: number, runEnd: number, requests: readonly ObservedRequest[]): FaultFigures {
    const f = this.fault
    const until = this.recoveredAt ?? this.healedAt ?? runEnd
    const from = this.injectedAt ?? runEnd
    // A request in flight when the fault struck counts too: it may be the one the fault broke.
    const failedRequests = requests.filter((r) => r.at + r.ms >= from && r.at < until && !available(r)).length
    let note = this.note ?? (this.injectedAt === undefined ? 'not staged: the run ended first' : null)
    if (note === null && f.action === 'burst') note = `${f.params.multiplier}× traffic`
    if (note === null && this.injectedAt !== undefined && this.detectedAt === undefined)
      note = 'never marked down: health checks and ejection did not see it'
    if (note === null && this.detectedAt !== undefined && this.inRotationAt === undefined)
      note = `still marked at the end by ${this.lastMarkedBy.join(', ')}`
    const recoveredMs =
      this.servingAgainMs ??
      (this.recoveredAt !== undefined && this.healedAt !== undefined
        ? Math.max(0, this.recoveredAt - this.healedAt)
        : null)
    const inRotationMs =
      this.inRotationAt !== undefined && this.healedAt !== undefined
        ? Math.max(0, this.inRotationAt - this.healedAt)
        : null
    return {
      id: f.id,
      kind: f.kind,
      action: f.action,
      target: f.target,
      params: f.params,
      atMs: (this.injectedAt ?? runStart + f.atMs) - runStart,
      healAtMs: (this.healedAt ?? runStart + f.healAtMs) - runStart,
      detectedMs:
        this.detectedAt !== undefined && this.injectedAt !== undefined
          ? Math.max(0, this.detectedAt - this.injectedAt)
          : null,
      detectedBy: this.detectedBy ?? null,
      healTookMs:
        this.healDoneAt !== undefined && this.healedAt !== undefined ? this.healDoneAt - this.healedAt : null,
      recoveredMs,
      inRotationMs,
      note,
      healed: this.healed,
      failedRequests,
    }
  }
}
