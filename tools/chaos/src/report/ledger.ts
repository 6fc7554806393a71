import { ninesOf } from './figures.js'

/** The part of a daemon's `GET /availability` the report reads (packages/health AvailabilityReport). */
export interface LedgerSubjectReport {
  readonly subject: string | { readonly pool: string }
  readonly at: number
  readonly trackedSince: number
  readonly state: 'up' | 'down'
  readonly incidents: readonly {
    readonly start: number
    readonly end?: number | null
    readonly planned: boolean
  }[]
}

export interface LedgerAnswer {
  readonly pools: readonly (LedgerSubjectReport | null)[]
  readonly endpoints: readonly (LedgerSubjectReport | null)[]
}

export interface LedgerFigures {
  /** The daemon instance that recorded it (ns1, edge1, …). */
  readonly daemon: string
  readonly kind: 'pool' | 'endpoint'
  /** The pool name, or the endpoint's id as the daemon names it. */
  readonly subject: string
  /** Over the run's window, from the recorded incidents. */
  readonly availability: number
  readonly nines: number | null
  readonly downtimeMs: number
  /** Incidents overlapping the window. */
  readonly incidents: number
  /** Those incidents, clipped to the window, in ms from its start. */
  readonly downtimes: readonly { readonly fromMs: number; readonly toMs: number }[]
}

/**
 * What a daemon's ledger recorded for [fromMs, toMs]: its incidents clipped to the window. The ledger's own
 * windows start at one hour, so the run's window is cut from the incidents instead; time before the first
 * record (`trackedSince`) counts as up, as the client could not tell either.
 */
export function ledgerFigures(
  daemon: string,
  answer: LedgerAnswer,
  fromMs: number,
  toMs: number,
): LedgerFigures[] {
  const windowMs = Math.max(1, toMs - fromMs)
  const figures = (kind: 'pool' | 'endpoint', r: LedgerSubjectReport): LedgerFigures => {
    const downtimes: { fromMs: number; toMs: number }[] = []
    for (const i of r.incidents) {
      const start = Math.max(fromMs, i.start)
      const end = Math.min(toMs, i.end ?? r.at)
      if (end > start) downtimes.push({ fromMs: start - fromMs, toMs: end - fromMs })
    }
    const downtimeMs = downtimes.reduce((sum, d) => sum + d.toMs - d.fromMs, 0)
    const availability = Math.max(0, 1 - downtimeMs / windowMs)
    return {
      daemon,
      kind,
      subject: typeof r.subject === 'string' ? r.subject : r.subject.pool,
      availability,
      nines: ninesOf(availability),
      downtimeMs,
      incidents: downtimes.length,
      downtimes,
    }
  }
  return [
    ...answer.pools.flatMap((r) => (r ? [figures('pool', r)] : [])),
    ...answer.endpoints.flatMap((r) => (r ? [figures('endpoint', r)] : [])),
  ]
}
