import type { EffectiveState, Endpoint, Locality } from '@nines/core'
import type { AllDownAction } from './schema.js'

/** One endpoint of a dynamic name as the policy sees it. */
export interface CandidateView {
  readonly endpoint: Endpoint
  readonly effective: EffectiveState
  /** 0 = primary, 1 = standby, ... */
  readonly priority: number
  /**
   * When it came back up after being down (epoch ms); undefined for a first result. Within
   * `ttl.recoveringSec` of it the answer keeps the degraded TTL until the endpoint has settled.
   */
  readonly recoveredAt?: number
}

/** Who asks: the server maps the ECS or source address to a locality. */
export interface ClientInfo {
  readonly locality?: Locality
}

export type Outcome = 'healthy' | 'degraded' | 'panic' | 'all-down'

/**
 * Which rule set the TTL: `normal` is `ttl.normalSec`, every other one `ttl.degradedSec`. When several
 * hold, the first in this order names it: all-down, panic, degraded, draining, recovering.
 */
export type TtlRule = 'normal' | 'all-down' | 'panic' | 'degraded' | 'draining' | 'recovering'

/** What a step of the selection is about, for the explanation of an answer. */
export type SelectionStepKind = 'priority' | 'panic' | 'locality' | 'all-down' | 'drain' | 'recovering'

/** One fact of the selection, in the order it was decided; `reason` joins their details. */
export interface SelectionStep {
  readonly step: SelectionStepKind
  readonly detail: string
}

/** `none`: locality played no part; `any`: the client's zone and region were considered and spilled over. */
export type LocalityTier = 'zone' | 'region' | 'any' | 'none'

export interface Selection {
  /** Ordered and capped at `maxAnswers`; empty when all down and the action is not `fail-open`. */
  readonly endpoints: readonly Endpoint[]
  readonly outcome: Outcome
  /** Set only when `outcome` is `all-down`. */
  readonly allDownAction?: AllDownAction
  readonly failedOpen: boolean
  readonly panic: boolean
  readonly activePriority: number
  readonly localityTier: LocalityTier
  /** The client's locality narrowed the answer: the server must scope ECS to it. */
  readonly localityDependent: boolean
  readonly ttlSec: number
  readonly ttlRule: TtlRule
  /** Short and human, for the debug query and logs: `priority 0: 2/3 up; zone eu-1`. */
  readonly reason: string
  /** The facts `reason` is made of, each with what it is about. */
  readonly steps: readonly SelectionStep[]
  /**
   * When this selection changes with no health change (epoch ms): the end of the first recovering
   * window that counts for it; undefined when none does.
   */
  readonly nextChangeAt?: number
}
