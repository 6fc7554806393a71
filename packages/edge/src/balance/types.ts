import type { EffectiveState, Endpoint } from '@nines/core'

/**
 * One endpoint as the balancers see it. The proxy keeps one per endpoint for the pool's lifetime (so
 * `outstanding` survives every rebuild) and passes the same objects to `update`.
 */
export interface Candidate {
  readonly endpoint: Endpoint
  /** Requests in flight: the proxy adds 1 before sending and takes 1 away when the response ends. */
  outstanding: number
  /**
   * Epoch ms at which the endpoint came back up after being down or ejected; slow start ramps its
   * weight from here. Leave undefined for endpoints up since start-up (HAProxy: no ramp at start).
   */
  upSinceMs?: number
}

/** A candidate with the state traffic decisions use (health, ejection and overrides already applied). */
export interface Member {
  readonly candidate: Candidate
  readonly state: EffectiveState
}

/** What one pick needs to know. Reuse one object per request: a pick allocates nothing on the first try. */
export interface PickContext {
  /** The hash key (header or cookie value) for `hash`; ignored by the other kinds. */
  readonly key?: string | undefined
  /** Endpoint ids already tried by this request: never picked again. */
  readonly exclude?: ReadonlySet<string> | undefined
  /** Stacks already tried by this request: avoided while an untried stack has an untried endpoint. */
  readonly avoidStacks?: ReadonlySet<string> | undefined
}

export interface Balancer {
  /** An endpoint for this request, or undefined when none is left (every one excluded, or none up). */
  pick(ctx?: PickContext): Candidate | undefined
  /**
   * Call on every membership, health, ejection or override change with every member of the pool. Weight
   * tables and locality tiers are rebuilt; the hash ring only when ids or weights changed.
   */
  update(members: readonly Member[]): void
}

/** Internal: one algorithm over a fixed candidate list; `allow` narrows it for retries. */
export interface Picker {
  pick(key: string | undefined, allow: ((c: Candidate) => boolean) | undefined): Candidate | undefined
}
