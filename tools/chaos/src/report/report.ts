import type { ClassFigures, RequestClass } from './figures.js'
import type { LedgerFigures } from './ledger.js'

/** One staged fault as it went. Times are ms from the start of the run, or from injection/heal. */
export interface FaultFigures {
  readonly id: number
  readonly kind: string
  readonly action: string
  readonly target: string
  readonly params: Readonly<Record<string, string | number>>
  readonly atMs: number
  readonly healAtMs: number
  /** Injection → the first router (or nameserver, for an edge) marking the target not up; null if none did. */
  readonly detectedMs: number | null
  readonly detectedBy: string | null
  /** How long the heal itself took (a restart until ready, a switch until acknowledged). */
  readonly healTookMs: number | null
  /** Heal → no daemon's probes mark it down any more; null if it was never marked down. */
  readonly recoveredMs: number | null
  /** Heal → no router ejects it either: back in rotation (ejection lasts 30 s or more by default). */
  readonly inRotationMs: number | null
  /** Why detection does not apply or was not seen (a nameserver, a burst, a fault health checks miss). */
  readonly note: string | null
  /** Healed on schedule (the target runs and answers again). */
  readonly healed: boolean
  /** Client requests that failed between injection and recovery (or heal). */
  readonly failedRequests: number
}

/** A request that failed, for the diagnosis. */
export interface FailedRequest {
  /** From the start of the run. */
  readonly atMs: number
  readonly ms: number
  readonly class: string
  readonly name: string
  readonly method?: string
  readonly status?: number
  readonly error?: string
  readonly edge?: string
  readonly retried?: boolean
}

export interface TopupFigures {
  /** Top-ups the demo stacks applied, over every life of every endpoint. */
  readonly applied: number
  /** Top-ups the client saw answered, over the same span as the books (warm-up included). */
  readonly clientOk: number
  /** Request ids applied more than once, on one endpoint or across endpoints. */
  readonly duplicated: number
  readonly duplicatedIds: readonly string[]
  /** Endpoints whose books could not be read before a restart (their top-ups are missing above). */
  readonly unread: readonly string[]
}

export interface Target {
  readonly name: string
  readonly want: string
  readonly got: string
  readonly pass: boolean
}

export interface ChaosReport {
  readonly seed: number
  readonly startedAt: string
  /** The measured window: traffic start to traffic stop. */
  readonly windowMs: number
  readonly plannedDurationMs: number
  /** True when the run was stopped early (Ctrl-C). */
  readonly interrupted: boolean
  readonly ratePerSec: number
  readonly classes: Readonly<Record<RequestClass | 'overall', ClassFigures>>
  /** Client figures per pool behind the edge (cms: the CMS routes; app: the rest), for the ledger's rows. */
  readonly pools: Readonly<Record<string, ClassFigures>>
  readonly longestOutageMs: number
  readonly faults: readonly FaultFigures[]
  /** Up to the first 200 failed requests. */
  readonly failures: readonly FailedRequest[]
  readonly ledger: readonly LedgerFigures[]
  readonly topups: TopupFigures
  readonly targets: readonly Target[]
  readonly pass: boolean
}

export const TARGETS = { critical: 0.99999, overall: 0.9999, longestOutageMs: 1_000 } as const
