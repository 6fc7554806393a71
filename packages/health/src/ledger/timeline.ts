/** One stretch of downtime. `end` is undefined while it is still open. */
export interface Incident {
  readonly start: number
  readonly end: number | undefined
  readonly planned: boolean
  readonly reason: string
}

export interface Downtime {
  plannedMs: number
  unplannedMs: number
}

/** What a timeline looked like at an instant; enough to resume it after a restart. */
export type TimelineState =
  | { readonly state: 'up' }
  | { readonly state: 'down'; readonly since: number; readonly planned: boolean; readonly reason: string }

/**
 * The up/down history of one endpoint or pool, from its first record on. Time never runs backwards here:
 * a change stamped before the last one is taken as happening at the last one.
 */
export class Timeline {
  readonly trackedSince: number
  /** From here on the incidents are all in memory; before it, roll-ups hold the history. */
  #detailSince: number
  #lastAt: number
  #closed: Incident[] = []
  #open: Incident | undefined

  /** `resumeAt`: the instant `resume` describes, when resuming from a roll-up after a restart. */
  constructor(trackedSince: number, resume: TimelineState = { state: 'up' }, resumeAt = trackedSince) {
    this.trackedSince = trackedSince
    this.#lastAt = Math.max(resumeAt, trackedSince)
    this.#detailSince = this.#lastAt
    if (resume.state === 'down') {
      this.#open = { start: resume.since, end: undefined, planned: resume.planned, reason: resume.reason }
    }
  }

  get state(): 'up' | 'down' {
    return this.#open ? 'down' : 'up'
  }

  get open(): Incident | undefined {
    return this.#open
  }

  get lastAt(): number {
    return this.#lastAt
  }

  get detailSince(): number {
    return this.#detailSince
  }

  /**
   * Applies a state change. A down while down only matters when it flips planned/unplanned (a drain over a
   * failure): the open incident closes and another opens, so each kind of downtime is counted apart.
   */
  apply(state: 'up' | 'down', at: number, planned: boolean, reason: string): void {
    const when = Math.max(at, this.#lastAt)
    this.#lastAt = when
    const open = this.#open
    if (state === 'up') {
      if (open) this.#close(open, when)
      return
    }
    if (open && open.planned === planned) return
    if (open) this.#close(open, when)
    this.#open = { start: when, end: undefined, planned, reason }
  }

  #close(open: Incident, at: number): void {
    this.#open = undefined
    // A down and an up at the same instant is no downtime and no incident.
    if (at > open.start) this.#closed.push({ ...open, end: at })
  }

  /** Closed incidents then the open one, oldest first. */
  incidents(): Incident[] {
    return this.#open ? [...this.#closed, this.#open] : [...this.#closed]
  }

  /** Downtime inside [fromMs, toMs); an open incident runs until `toMs`. */
  downtime(fromMs: number, toMs: number): Downtime {
    const total: Downtime = { plannedMs: 0, unplannedMs: 0 }
    for (const incident of this.incidents()) {
      const ms = overlapMs(incident.start, incident.end ?? toMs, fromMs, toMs)
      if (incident.planned) total.plannedMs += ms
      else total.unplannedMs += ms
    }
    return total
  }

  /** The state in force just before `atMs` ends, i.e. what a day that ends at `atMs` hands to the next. */
  stateAt(atMs: number): TimelineState {
    const incident = this.incidents().find((i) => i.start < atMs && (i.end === undefined || i.end > atMs))
    return incident
      ? { state: 'down', since: incident.start, planned: incident.planned, reason: incident.reason }
      : { state: 'up' }
  }

  /** Forgets closed incidents that ended at or before `beforeMs`, whose days must be rolled up by then. */
  trimBefore(beforeMs: number): void {
    this.#detailSince = Math.max(this.#detailSince, beforeMs)
    this.#closed = this.#closed.filter((i) => (i.end ?? Number.POSITIVE_INFINITY) > beforeMs)
  }
}

export function overlapMs(start: number, end: number, fromMs: number, toMs: number): number {
  return Math.max(0, Math.min(end, toMs) - Math.max(start, fromMs))
}
