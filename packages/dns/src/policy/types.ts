import type { EffectiveState, Endpoint, Locality } from '@nines/core'
import type { AllDownAction } from './schema.js'

/** One endpoint of a dynamic name as the policy sees it. */
export interface CandidateView {
  readonly endpoint: Endpoint
  readonly effective: EffectiveState
  /** 0 = primary, 1 = standby, ... */
  readonly priority: number
  /** Came up within the last hold period: answers keep the short TTL until it has settled. */
  readonly recovering?: boolean
}

/** Who asks: the server maps the ECS or source address to a locality. */
export interface ClientInfo {
  readonly locality?: Locality
}

export type Outcome = 'healthy' | 'degraded' | 'panic' | 'all-down'

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
  /** Short and human, for the debug query and logs: `priority 0: 2/3 up; zone eu-1`. */
  readonly reason: string
}
