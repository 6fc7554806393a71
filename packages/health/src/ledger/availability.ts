import { InvalidArgumentError } from '@nines/core'

/** What `ninesOf` reports for 100 %: finite so reports stay JSON-safe, and above anything ms data can show. */
export const MAX_NINES = 9

// Float noise such as 1 - 0.999 = 0.0010000000000000009 must not turn three nines into two.
const NINES_TOLERANCE = 1e-9

function requireFinite(name: string, value: number, min: number, max = Number.POSITIVE_INFINITY): void {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new InvalidArgumentError(`${name}: expected a number in ${min}..${max}, got ${value}`)
  }
}

/** The seed's `(total time - downtime) / total time` as a fraction 0..1; 1 when nothing was tracked. */
export function availability(totalMs: number, downtimeMs: number): number {
  requireFinite('totalMs', totalMs, 0)
  requireFinite('downtimeMs', downtimeMs, 0)
  if (totalMs === 0) return 1
  return Math.max(0, (totalMs - Math.min(downtimeMs, totalMs)) / totalMs)
}

/**
 * The number of consecutive 9s of the availability written as a percentage, counted from the tens digit
 * (99.916 % → 3, 99.997 % → 4, 99 % → 2, 90 % → 1, 89.9 % → 0), i.e. `floor(-log10(1 - fraction))`.
 * The seed only names counts above 99 %; lower values follow the same rule. 100 % gives `MAX_NINES`.
 */
export function ninesOf(fraction: number): number {
  requireFinite('fraction', fraction, 0, 1)
  const unavailable = 1 - fraction
  if (unavailable <= 0) return MAX_NINES
  return Math.min(MAX_NINES, Math.max(0, Math.floor(-Math.log10(unavailable) + NINES_TOLERANCE)))
}

/** Downtime an SLO allows over a window, rounded to whole milliseconds. */
export function allowedDowntimeMs(slo: number, windowMs: number): number {
  requireFinite('slo', slo, 0, 1)
  requireFinite('windowMs', windowMs, 0)
  return Math.round((1 - slo) * windowMs)
}

export interface ErrorBudget {
  /** Downtime the SLO allows over the window. */
  readonly allowedMs: number
  /** Downtime spent. */
  readonly usedMs: number
  /** `allowedMs - usedMs`; negative once the budget is overspent, so the overspend stays visible. */
  readonly remainingMs: number
  /** `remainingMs / allowedMs` (below 0 when overspent); with no budget at all, 1 if unused, else -Infinity. */
  readonly remainingFraction: number
}

export function errorBudget(slo: number, windowMs: number, downtimeMs: number): ErrorBudget {
  requireFinite('downtimeMs', downtimeMs, 0)
  const allowedMs = allowedDowntimeMs(slo, windowMs)
  const remainingMs = allowedMs - downtimeMs
  const remainingFraction =
    allowedMs > 0 ? remainingMs / allowedMs : downtimeMs > 0 ? Number.NEGATIVE_INFINITY : 1
  return { allowedMs, usedMs: downtimeMs, remainingMs, remainingFraction }
}

const UNITS: readonly (readonly [string, number])[] = [
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
  ['second', 1_000],
]

/**
 * A duration in the seed's style: "3 days, 15 hours, 36 minutes", "52 minutes, 33 seconds". Zero parts are
 * left out and seconds are truncated, as the seed does (3153.6 s reads "52 minutes, 33 seconds"). Under one
 * second the milliseconds are shown ("360 milliseconds"), so a small budget never reads as nothing.
 * Negative durations (an overspent budget) get a leading "-".
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) throw new InvalidArgumentError(`ms: expected a finite number, got ${ms}`)
  if (ms < 0) return `-${formatDuration(-ms)}`
  // Whole milliseconds first, so float noise (3153599.9999 ms) cannot cost a second.
  let rest = Math.round(ms)
  if (rest < 1_000) return plural(rest, 'millisecond')
  const parts: string[] = []
  for (const [unit, unitMs] of UNITS) {
    const count = Math.floor(rest / unitMs)
    rest -= count * unitMs
    if (count > 0) parts.push(plural(count, unit))
  }
  return parts.join(', ')
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`
}
