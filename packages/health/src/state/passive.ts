import type { ObservedState } from '@nines/core'
import { InvalidArgumentError } from '@nines/core'
import { z } from 'zod'
import { parseOptions } from './parse-options.js'

/** Passive signals (Envoy outlier detection): N failed requests inside a sliding window mean down. */
export const passiveSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Failures inside the window that make the verdict down. */
  failures: z.number().int().min(1).max(1000).default(5),
  windowMs: z.number().int().min(100).max(3_600_000).default(10_000),
})

export type PassiveConfig = z.infer<typeof passiveSchema>
export type PassiveConfigInput = z.input<typeof passiveSchema>
/** The same as `PassiveConfig`. */
export type PassiveOptions = PassiveConfig

/** What the data plane saw for one request to the endpoint. */
export interface PassiveSample {
  readonly ok: boolean
  readonly latencyMs: number
}

/** A value: the config and the most recent failure times (at most `failures` of them). */
export interface PassiveWindow {
  readonly config: PassiveConfig
  readonly failuresAt: readonly number[]
}

export interface PassiveVerdict {
  readonly down: boolean
  /** Failures inside the window at `now`. */
  readonly failures: number
  /** `passive: 5 failures in 10s`, `passive: 2/5 failures in 10s` or `passive: disabled`. */
  readonly reason: string
  /** While down: the epoch ms at which the oldest counted failure leaves the window. */
  readonly downUntilMs?: number
}

export interface PassiveOutcome extends PassiveVerdict {
  readonly window: PassiveWindow
}

/** An empty window. Throws InvalidArgumentError for a bad config (validate configuration at load). */
export function passiveWindow(config: PassiveConfigInput = {}): PassiveWindow {
  return { config: parseOptions(passiveSchema, config, 'passive'), failuresAt: [] }
}

/** The same as `passiveWindow`. */
export const newPassiveWindow = passiveWindow

/**
 * Records one sample. Only failures are kept: a success does not clear the window, because the window
 * counts failures per time, not consecutive ones. `latencyMs` is accepted for a later slow-request rule.
 * A `config` given here (one per monitor, say) replaces the window's own and is kept with it.
 */
export function recordPassive(window: PassiveWindow, sample: PassiveSample, now: number): PassiveOutcome
export function recordPassive(
  window: PassiveWindow,
  sample: PassiveSample,
  config: PassiveConfig,
  now: number,
): PassiveOutcome
export function recordPassive(
  window: PassiveWindow,
  sample: PassiveSample,
  configOrNow: PassiveConfig | number,
  maybeNow?: number,
): PassiveOutcome {
  const config = typeof configOrNow === 'number' ? window.config : configOrNow
  const now = typeof configOrNow === 'number' ? configOrNow : maybeNow
  if (now === undefined) throw new InvalidArgumentError('recordPassive: expected now (epoch ms)')
  const current = config === window.config ? window : { ...window, config }
  if (!config.enabled || sample.ok) return { window: current, ...passiveVerdict(current, now) }
  // The newest `failures` timestamps are enough to decide; memory stays bounded under a storm.
  const failuresAt = [...current.failuresAt, now].sort((a, b) => a - b).slice(-config.failures)
  const next = { config, failuresAt }
  return { window: next, ...passiveVerdict(next, now) }
}

/** The verdict at `now`, so a window can clear as time passes without samples. */
export function passiveVerdict(window: PassiveWindow, now: number): PassiveVerdict {
  const { enabled, failures: needed, windowMs } = window.config
  if (!enabled) return { down: false, failures: 0, reason: 'passive: disabled' }
  // Inside means younger than windowMs; a sample from the future (clock skew) counts as inside.
  const inside = window.failuresAt.filter((at) => now - at < windowMs)
  const span = formatSpan(windowMs)
  if (inside.length < needed) {
    return {
      down: false,
      failures: inside.length,
      reason: `passive: ${inside.length}/${needed} failures in ${span}`,
    }
  }
  const oldest = inside[inside.length - needed] ?? now
  return {
    down: true,
    failures: inside.length,
    reason: `passive: ${needed} failures in ${span}`,
    downUntilMs: oldest + windowMs,
  }
}

/**
 * The rule that joins the two signals: passive input can only push toward down, never up. Requests
 * that succeed prove little (they may hit a path the check does not), while an active check failing
 * says the endpoint is unfit, so a passive success never overrules an active `down` or `unknown`.
 */
export function combineActivePassive(activeObserved: ObservedState, passiveDown: boolean): ObservedState {
  return passiveDown ? 'down' : activeObserved
}

function formatSpan(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`
}
