import { available, classFigures, figuresByClass, type ObservedRequest } from './figures.js'
import type { LedgerFigures } from './ledger.js'
import type { ChaosReport, FaultFigures, TopupFigures } from './report.js'
import { judge } from './targets.js'

export interface ReportInput {
  readonly seed: number
  readonly startedAtMs: number
  readonly stoppedAtMs: number
  readonly plannedDurationMs: number
  readonly interrupted: boolean
  readonly ratePerSec: number
  readonly requests: readonly ObservedRequest[]
  readonly faults: readonly FaultFigures[]
  readonly ledger: readonly LedgerFigures[]
  readonly topups: TopupFigures
  /** The pool behind the edge that serves a request name; default: `cms-*` → cms, the rest → app. */
  readonly poolOf?: (name: string) => string
}

const MAX_FAILURES = 200

const defaultPoolOf = (name: string) => (name.startsWith('cms') ? 'cms' : 'app')

export function buildReport(input: ReportInput): ChaosReport {
  const classes = figuresByClass(input.requests)
  const poolOf = input.poolOf ?? defaultPoolOf
  const poolNames = [...new Set(input.requests.map((r) => poolOf(r.name)))].sort()
  const pools = Object.fromEntries(
    poolNames.map((pool) => [pool, classFigures(input.requests.filter((r) => poolOf(r.name) === pool))]),
  )
  // The edges pool carries every request.
  pools.edges ??= classes.overall
  const longestOutageMs = Math.max(
    classes.critical.longestOutageMs,
    classes.normal.longestOutageMs,
    classes.sheddable.longestOutageMs,
  )
  const targets = judge(classes, longestOutageMs, input.topups)
  return {
    seed: input.seed,
    startedAt: new Date(input.startedAtMs).toISOString(),
    windowMs: input.stoppedAtMs - input.startedAtMs,
    plannedDurationMs: input.plannedDurationMs,
    interrupted: input.interrupted,
    ratePerSec: input.ratePerSec,
    classes,
    pools,
    longestOutageMs,
    faults: input.faults,
    failures: input.requests
      .filter((r) => !available(r))
      .sort((a, b) => a.at - b.at)
      .slice(0, MAX_FAILURES)
      .map(({ at, ...r }) => ({ atMs: at - input.startedAtMs, ...r })),
    ledger: input.ledger,
    topups: input.topups,
    targets,
    pass: targets.every((t) => t.pass),
  }
}
