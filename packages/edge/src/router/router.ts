import type { Clock, Locality, Rng } from '@nines/core'
import { toEndpoint, type EndpointConfig } from '@nines/health'
import { createBalancer, type PoolBalancer } from '../balance/balancer.js'
import type { AdmissionOptions } from '../admit/options.js'
import type { AttemptsPool } from '../attempts/proxy-attempts.js'
import type { AttemptObservation, EjectionEvent } from '../eject/ejector.js'
import type { EjectionOptionsInput } from '../eject/options.js'
import type { PanicOptions } from '../eject/panic.js'
import type { UpstreamPoolOptions } from '../proxy/upstream-pool.js'
import { RetryBudget } from '../retry/budget.js'
import type { Route } from '../routes/route-schema.js'
import { compileRoutes, type RouteTable } from '../routes/table.js'
import { PoolState, type HealthLookup } from './pool-state.js'

/** What the router reads of the deployment: the routes and the pools they name. */
export interface RouterConfig {
  readonly routes: readonly Route[]
  readonly pools: Readonly<
    Record<
      string,
      {
        readonly endpoints: readonly EndpointConfig[]
        readonly ejection?: EjectionOptionsInput | undefined
        readonly panic: PanicOptions
        readonly admission?: AdmissionOptions | undefined
      }
    >
  >
}

export interface RouterOptions {
  readonly clock: Clock
  readonly rng: Rng
  /** The router's own region and zone: balancing prefers endpoints there. */
  readonly locality?: Locality | undefined
  readonly upstream?: UpstreamPoolOptions | undefined
  readonly health: HealthLookup
  readonly onEjection?: ((event: EjectionEvent) => void) | undefined
  readonly onObservation?: ((observation: AttemptObservation) => void) | undefined
  readonly onPanic?: ((pool: string, panic: boolean, healthy: number, eligible: number) => void) | undefined
  /** A pool's admission limit changed. */
  readonly onLimit?: ((pool: string, limit: number) => void) | undefined
  /** The router's own event-loop delay in ms (`LoopDelay`), for admission. */
  readonly selfDelayMs?: (() => number) | undefined
}

/** A route with everything a request to it needs, matched by the route table. */
export interface RouteRuntime extends AttemptsPool {
  readonly host: string
  readonly pathPrefix: string
  readonly route: Route
  readonly pool: PoolState
  readonly balancer: PoolBalancer
}

/**
 * The routes and pools of one configuration, kept across reloads: a pool keeps its endpoints' in-flight
 * counts, connections and ejections while its endpoints stay; routes are rebuilt (their balancers and
 * retry budgets are cheap) and swapped in one assignment, so a request sees one configuration whole.
 */
export class Router {
  readonly #options: RouterOptions
  readonly #pools = new Map<string, PoolState>()
  #table: RouteTable<RouteRuntime> = compileRoutes([])
  #unsubscribe: (() => void)[] = []

  constructor(config: RouterConfig, options: RouterOptions) {
    this.#options = options
    this.apply(config)
  }

  get table(): RouteTable<RouteRuntime> {
    return this.#table
  }

  get pools(): ReadonlyMap<string, PoolState> {
    return this.#pools
  }

  /** Follows a new configuration (already validated, see `compileRoutes` for the veto). */
  apply(config: RouterConfig): void {
    const o = this.#options
    const used = new Set(config.routes.map((r) => r.pool))
    for (const name of used) {
      const pool = config.pools[name]
      if (pool === undefined) continue
      const endpoints = pool.endpoints.map(toEndpoint)
      const state = this.#pools.get(name)
      if (state) {
        state.setEndpoints(endpoints, pool.panic)
        state.setAdmission(pool.admission)
      } else {
        this.#pools.set(
          name,
          new PoolState(
            {
              name,
              endpoints,
              ejection: pool.ejection,
              panic: pool.panic,
              admission: pool.admission,
              clock: o.clock,
              upstream: o.upstream,
              onEjection: o.onEjection,
              onObservation: o.onObservation,
              onPanic: (panic, healthy, eligible) => o.onPanic?.(name, panic, healthy, eligible),
              onLimit: (limit) => o.onLimit?.(name, limit),
              selfDelayMs: o.selfDelayMs,
            },
            o.health,
          ),
        )
      }
    }
    for (const [name, state] of this.#pools) {
      if (used.has(name)) continue
      this.#pools.delete(name)
      void state.close()
    }

    const unsubscribe: (() => void)[] = []
    const runtimes = config.routes.flatMap((route): RouteRuntime[] => {
      const pool = this.#pools.get(route.pool)
      if (pool === undefined) return []
      const balancer = createBalancer(route.balance, { clock: o.clock, rng: o.rng, locality: o.locality })
      unsubscribe.push(pool.onChange((view) => balancer.update(view.members)))
      return [
        {
          host: route.host,
          pathPrefix: route.pathPrefix,
          route,
          pool,
          balancer,
          ejector: pool.ejector,
          budget: new RetryBudget(route.retry.budget),
          upstreams: pool.upstreams,
        },
      ]
    })
    this.#table = compileRoutes(runtimes)
    for (const undo of this.#unsubscribe) undo()
    this.#unsubscribe = unsubscribe
  }

  /** Health or overrides changed: every pool recomputes its members. */
  refresh(health: HealthLookup = this.#options.health): void {
    for (const pool of this.#pools.values()) pool.refresh(health)
  }

  async close(): Promise<void> {
    for (const undo of this.#unsubscribe.splice(0)) undo()
    await Promise.all([...this.#pools.values()].map((pool) => pool.close()))
    this.#pools.clear()
  }
}
