import { InvalidArgumentError } from '@nines/core'
import type { CheckTiming } from '../check.js'
import { dampingSchema, type Damping, type DampingInput } from './damping.js'
import { parseOptions } from './parse-options.js'

/**
 * How an `unknown` endpoint gets its first verdict: `first-result` lets the first probe decide (a fresh
 * deployment answers within one probe); `thresholds` asks for `rise` successes or `fall` failures.
 */
export type ColdStart = 'first-result' | 'thresholds'

/** Everything `transition` needs: rise/fall, the probe schedule (for TTL hints) and flap damping. */
export interface Thresholds {
  readonly rise: number
  readonly fall: number
  readonly intervalMs: number
  /** While a change is pending (HAProxy fastinter). */
  readonly fastIntervalMs: number
  /** While down (HAProxy downinter). */
  readonly downIntervalMs: number
  readonly coldStart: ColdStart
  readonly damping: Damping | false
}

export interface ThresholdsOptions {
  /** Default `first-result`. */
  readonly coldStart?: ColdStart
  /** Default: damping on with `dampingDefaults`; `false` or `{ enabled: false }` turns it off. */
  readonly damping?: DampingInput | false
}

/** Thresholds for a check's timing (`checkTiming(check)`). Throws InvalidArgumentError on bad damping. */
export function thresholdsFor(timing: CheckTiming, options: ThresholdsOptions = {}): Thresholds {
  for (const key of ['rise', 'fall', 'intervalMs', 'fastIntervalMs', 'downIntervalMs'] as const) {
    const value = timing[key]
    if (!Number.isInteger(value) || value < 1) {
      throw new InvalidArgumentError(`timing.${key}: expected a positive integer, got ${String(value)}`)
    }
  }
  return {
    rise: timing.rise,
    fall: timing.fall,
    intervalMs: timing.intervalMs,
    fastIntervalMs: timing.fastIntervalMs,
    downIntervalMs: timing.downIntervalMs,
    coldStart: options.coldStart ?? 'first-result',
    damping: dampingFrom(options.damping),
  }
}

function dampingFrom(input: DampingInput | false | undefined): Damping | false {
  if (input === false) return false
  const { enabled, ...damping } = parseOptions(dampingSchema, input ?? {}, 'damping')
  return enabled ? damping : false
}
