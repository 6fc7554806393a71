import type { Clock, Locality, Rng } from '@nines/core'
import { HashPicker } from './consistent-hash.js'
import { HashRing, ringSignature } from './hash-ring.js'
import { chooseLocality, type LocalityTier } from './locality.js'
import { P2cPicker } from './p2c.js'
import { RoundRobinPicker } from './round-robin.js'
import type { BalanceOptions } from './schema.js'
import type { Balancer, Candidate, Member, PickContext, Picker } from './types.js'
import { WeightTable } from './weights.js'

export interface BalancerDeps {
  readonly clock: Clock
  readonly rng: Rng
  /** The router's own locality; undefined turns locality preference off. */
  readonly locality?: Locality | undefined
}

/** What `createBalancer` needs of the route's options (the `hashOn` part is the proxy's). */
export type BalancerOptions = Pick<BalanceOptions, 'kind' | 'boundedLoad' | 'slowStart' | 'locality'>

/** A pool's balancer for one route. Call `update` with the pool's members before the first pick. */
export function createBalancer(
  options: BalancerOptions,
  deps: BalancerDeps,
  members: readonly Member[] = [],
): PoolBalancer {
  const balancer = new PoolBalancer(options, deps)
  balancer.update(members)
  return balancer
}

/**
 * Locality first, then the algorithm: the chosen tier's up endpoints are picked from; the pool's other
 * up endpoints are only a fallback for retries that have used up the tier.
 */
export class PoolBalancer implements Balancer {
  readonly #options: BalancerOptions
  readonly #deps: BalancerDeps
  #primary: Picker = none
  #fallback: Picker | undefined
  #ring: HashRing | undefined
  #tier: LocalityTier = 'any'

  constructor(options: BalancerOptions, deps: BalancerDeps) {
    this.#options = options
    this.#deps = deps
  }

  /** The locality tier picks come from now (for metrics and debug headers). */
  get tier(): LocalityTier {
    return this.#tier
  }

  update(members: readonly Member[]): void {
    const choice = chooseLocality(members, this.#deps.locality, this.#options.locality)
    this.#tier = choice.tier
    const chosen = choice.chosen.map((m) => m.candidate)
    const up = members.filter((m) => m.state === 'up').map((m) => m.candidate)
    if (this.#options.kind === 'hash') {
      // The ring holds every member whatever its state, so a health change rebuilds only the masks.
      const all = members.map((m) => m.candidate)
      if (this.#ring === undefined || this.#ring.signature !== ringSignature(all))
        this.#ring = new HashRing(all)
    }
    this.#primary = this.#picker(chosen)
    this.#fallback = chosen.length === up.length ? undefined : this.#picker(up)
  }

  pick(ctx?: PickContext): Candidate | undefined {
    const exclude = ctx?.exclude
    const avoidStacks = ctx?.avoidStacks
    const key = ctx?.key
    if (
      (exclude === undefined || exclude.size === 0) &&
      (avoidStacks === undefined || avoidStacks.size === 0)
    ) {
      // The fallback answers only if the tier cannot (say, a hash ring with no point for its weight-0 members).
      return this.#primary.pick(key, undefined) ?? this.#fallback?.pick(key, undefined)
    }
    // A retry: another stack matters more than locality, so that one stack's bug never fails it twice.
    const untried = (c: Candidate): boolean => exclude === undefined || !exclude.has(c.endpoint.id)
    const otherStack = (c: Candidate): boolean => {
      const stack = c.endpoint.labels.stack
      return untried(c) && (stack === undefined || avoidStacks === undefined || !avoidStacks.has(stack))
    }
    return (
      this.#primary.pick(key, otherStack) ??
      this.#fallback?.pick(key, otherStack) ??
      this.#primary.pick(key, untried) ??
      this.#fallback?.pick(key, untried)
    )
  }

  #picker(candidates: readonly Candidate[]): Picker {
    const { kind, slowStart, boundedLoad } = this.#options
    if (kind === 'hash') {
      const ring = this.#ring as HashRing
      const inSet = new Set(candidates)
      const eligible = Uint8Array.from(ring.candidates, (c) => (inSet.has(c) ? 1 : 0))
      return new HashPicker(ring, eligible, boundedLoad, this.#deps.rng)
    }
    const table = new WeightTable(candidates, slowStart, this.#deps.clock)
    return kind === 'round-robin' ? new RoundRobinPicker(table) : new P2cPicker(table, this.#deps.rng)
  }
}

const none: Picker = { pick: () => undefined }
