import { InvalidArgumentError, type ObservedState } from '@nines/core'
import { z } from 'zod'
import { parseOptions } from './parse-options.js'

/** One observer's view of one endpoint, local or received from a peer (Route 53's checkers). */
export interface Verdict {
  readonly observer: string
  readonly endpointId: string
  readonly observed: ObservedState
  /** Epoch ms when the observer concluded this; observers re-send at least every `staleAfterMs`. */
  readonly at: number
}

export const quorumSchema = z
  .strictObject({
    /** k: fresh `up` verdicts needed for up. */
    required: z.number().int().min(1).default(1),
    /** The expected observers (n is their count). Without it, n is the observers heard from (at least k). */
    observers: z.array(z.string().min(1)).min(1).optional(),
    /** A verdict older than this no longer counts. */
    staleAfterMs: z.number().int().min(1).default(30_000),
  })
  .superRefine((q, ctx) => {
    if (!q.observers) return
    if (new Set(q.observers).size !== q.observers.length) {
      ctx.addIssue({ code: 'custom', path: ['observers'], message: 'expected unique observer names' })
    }
    if (q.required > q.observers.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['required'],
        message: `expected at most ${q.observers.length} (the number of observers), got ${q.required}`,
      })
    }
  })

export type QuorumConfig = z.infer<typeof quorumSchema>
export type QuorumConfigInput = z.input<typeof quorumSchema>
/** The same as `QuorumConfigInput`. */
export type QuorumOptions = QuorumConfigInput

export interface QuorumDecision {
  readonly observed: ObservedState
  /** Fresh verdicts by state. */
  readonly up: number
  readonly down: number
  readonly unknown: number
  /** Verdicts older than `staleAfterMs`. */
  readonly stale: number
  /** Expected observers never heard from. */
  readonly missing: number
  /** The fresh verdicts could not decide, so the last answer was kept. */
  readonly held: boolean
  /** `quorum: 2/3 up`, `quorum: 2/3 down`, `hold up: 1 stale, 0 missing`, `no quorum: 1/3 up, need 2`. */
  readonly reason: string
}

/**
 * k-of-n merge of observers' verdicts. The rule, in order:
 * 1. up when at least k fresh verdicts say up;
 * 2. down when more than n − k fresh verdicts say down (k ups are out of reach even if every other
 *    observer said up); 1 and 2 exclude each other, so there is no tie between up and down;
 * 3. otherwise, when some observer is stale or missing, hold the last answer (fail static): losing an
 *    observer moves the fresh count away from a decision, never across it, so a stale observer can
 *    never change the answer, and a lone local observer (k = 1, n = 1) that goes quiet keeps its last
 *    state exactly as it would without a quorum;
 * 4. otherwise (all n are fresh and some say unknown) the answer is unknown.
 * The last answer is remembered at every `accept` (as of the verdict's time) and `decide`.
 */
export class Quorum {
  readonly config: QuorumConfig
  readonly #expected: ReadonlySet<string> | undefined
  readonly #verdicts = new Map<string, Map<string, Verdict>>()
  readonly #answers = new Map<string, ObservedState>()

  constructor(config: QuorumConfigInput = {}) {
    this.config = parseOptions(quorumSchema, config, 'quorum')
    this.#expected = this.config.observers ? new Set(this.config.observers) : undefined
  }

  /**
   * Stores a verdict when it is the observer's newest (equal times: the later call wins). Returns
   * false for an out-of-order older verdict or an observer outside the expected set.
   */
  accept(verdict: Verdict): boolean {
    if (!Number.isFinite(verdict.at)) {
      throw new InvalidArgumentError(`verdict.at: expected epoch milliseconds, got ${String(verdict.at)}`)
    }
    if (this.#expected && !this.#expected.has(verdict.observer)) return false
    let byObserver = this.#verdicts.get(verdict.endpointId)
    if (!byObserver) {
      byObserver = new Map()
      this.#verdicts.set(verdict.endpointId, byObserver)
    }
    const previous = byObserver.get(verdict.observer)
    if (previous && previous.at > verdict.at) return false
    byObserver.set(verdict.observer, verdict)
    this.decide(verdict.endpointId, verdict.at)
    return true
  }

  decide(endpointId: string, now: number): QuorumDecision {
    const k = this.config.required
    const verdicts = [...(this.#verdicts.get(endpointId)?.values() ?? [])]
    const n = this.config.observers?.length ?? Math.max(verdicts.length, k)
    const counts = { up: 0, down: 0, unknown: 0, stale: 0 }
    for (const v of verdicts) {
      // A verdict from the future (clock skew between observers) counts as fresh.
      if (now - v.at > this.config.staleAfterMs) counts.stale++
      else counts[v.observed]++
    }
    const missing = n - verdicts.length
    const last = this.#answers.get(endpointId) ?? 'unknown'
    const decision = (observed: ObservedState, reason: string, held = false): QuorumDecision => {
      this.#answers.set(endpointId, observed)
      return { observed, ...counts, missing, held, reason }
    }
    if (counts.up >= k) return decision('up', `quorum: ${counts.up}/${n} up`)
    if (counts.down > n - k) return decision('down', `quorum: ${counts.down}/${n} down`)
    if (counts.stale + missing > 0) {
      return decision(last, `hold ${last}: ${counts.stale} stale, ${missing} missing`, true)
    }
    return decision('unknown', `no quorum: ${counts.up}/${n} up, need ${k}`)
  }

  /** Drops what is known about an endpoint that left the configuration. */
  forget(endpointId: string): void {
    this.#verdicts.delete(endpointId)
    this.#answers.delete(endpointId)
  }
}
