import type { EffectiveState, Rng } from '@nines/core'
import type { PoolConfig } from '@nines/health'
import type { AllDownAction } from '../policy/schema.js'
import type { LocalityMapEntry } from '../policy/locality-map.js'
import type { PriorityState } from '../policy/priority.js'
import type { LocalityTier, Outcome, SelectionStep, TtlRule } from '../policy/types.js'
import type { WireRecord } from '@nines/wire'
import type { DnsZones } from '../zone/schema.js'
import type { AnswerTable } from './table.js'

/** What the health side knows of one endpoint when the table is built. */
export interface EndpointHealthView {
  readonly effective: EffectiveState
  /**
   * When it last came back up after being down (epoch ms); undefined for a first result or a state
   * restored at start-up. The build keeps the degraded TTL for `policy.ttl.recoveringSec` after it.
   */
  readonly recoveredAt?: number
}

export interface BuildInput {
  /** Parsed with `dnsZonesSchema`. */
  readonly zones: DnsZones
  readonly pools: Readonly<Record<string, PoolConfig>>
  /** Client networks and their locality (ECS or source address → region/zone). */
  readonly localities: readonly LocalityMapEntry[]
  readonly health: (pool: string, endpointId: string) => EndpointHealthView
  /** The last build's priority states, by dynamic name (FQDN, lowercase, no trailing dot). */
  readonly priority: ReadonlyMap<string, PriorityState>
  /**
   * The SOA serial of DNS zones that do not set `soa.serial`. Leave it out: each DNS zone then gets
   * zoneSerial(origin, zone, pools), the same on every instance for the same configuration.
   */
  readonly serial?: number
  readonly rng: Rng
  /** Epoch milliseconds. */
  readonly now: number
  /** Answer variants per (name, type, locality) for rotation and weighted draws; default 8. */
  readonly variantsPerKey?: number
}

/** A dynamic name's state for operators: one gauge value, one log line on each change. */
export type NameState = Outcome

export interface NameReport {
  /** FQDN, lowercase, no trailing dot. */
  readonly name: string
  readonly pool: string
  readonly policy: 'all' | 'weighted'
  /** healthy, degraded (some down, failed over or spilled), panic, all-down (see `failedOpen`). */
  readonly state: NameState
  readonly reason: string
  /** The facts of `reason`, each with what it is about (priority, panic, drain, ...). */
  readonly steps: readonly SelectionStep[]
  readonly failedOpen: boolean
  readonly panic: boolean
  readonly allDownAction?: AllDownAction
  readonly activePriority: number
  /** The TTL of every record of the answer (A, AAAA, SRV; NODATA caps the SOA's at it). */
  readonly ttlSec: number
  readonly ttlRule: TtlRule
  /** Endpoints by effective state; `down` counts `unknown` too (nothing answers from ignorance). */
  readonly counts: { readonly up: number; readonly down: number; readonly drain: number }
  /** A and AAAA addresses of the first variant for a client without a locality. */
  readonly answer: readonly string[]
  readonly endpoints: readonly {
    readonly id: string
    readonly address: string
    readonly port: number
    readonly priority: number
    /** `drain` (an operator's planned drain) stays apart from `down`. */
    readonly effective: EffectiveState
  }[]
  /**
   * Only when the answer depends on the client's locality, one per locality of the map: `region/zone`
   * (`*` when absent), its answer, the tier it got and why (`zone z2 0/1 up, region local`).
   */
  readonly localities: readonly {
    readonly locality: string
    readonly answer: readonly string[]
    readonly tier: LocalityTier
    readonly reason: string
  }[]
}

export interface BuiltAnswers {
  readonly table: AnswerTable
  /** Dynamic names in configuration order. */
  readonly names: readonly NameReport[]
  /** The priority states to pass to the next build. */
  readonly priority: Map<string, PriorityState>
  /**
   * When the answers change with no health or configuration change (epoch ms): the earliest held
   * failback falling due or recovering window (`policy.ttl.recoveringSec`) ending. Rebuild then.
   */
  readonly nextChangeAt: number | undefined
}

/** One response before encoding. Bodies are compiled once per distinct Draft object. */
export interface Draft {
  readonly rcode: number
  /** false for a referral: the servers the name is delegated to are its authority (RFC 1034 §4.3.2). */
  readonly aa?: boolean
  readonly answers: readonly WireRecord[]
  readonly authorities: readonly WireRecord[]
  readonly additionals: readonly WireRecord[]
}

/** The variants of one (name, type): for clients without a locality, and per locality slot. */
export interface DraftSet {
  readonly global: readonly Draft[]
  /** Present only when the answer depends on the client's locality; a slot may be `global` itself. */
  readonly slots?: readonly (readonly Draft[])[]
}
