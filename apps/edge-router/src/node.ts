import type { IncomingMessage, ServerResponse } from 'node:http'
import { NinesError, isNinesError, type Clock, type Rng } from '@nines/core'
import { instanceOf } from '@nines/daemon'
import type { Deployment } from '@nines/deployment'
import {
  Router,
  Tunnels,
  compileCidrs,
  createEdgeApp,
  LoopDelay,
  openListeners,
  ResponseCache,
  upgradeStage,
  viaValue,
  type AttemptObservation,
  type EdgeCacheOptions,
  type EjectionEvent,
  type HealthLookup,
  type Listeners,
  type RequestRecord,
} from '@nines/edge'
import type { Logger } from '@nines/ops'
import { fastEdgeListener } from './listener.js'
import type { RequestStats } from './stats.js'

export interface EdgeNodeOptions {
  readonly instance: string
  readonly config: Deployment
  readonly health: HealthLookup
  readonly clock: Clock
  readonly rng: Rng
  readonly logger: Logger
  readonly stats: RequestStats
  /** Every attempt's outcome, for the monitor's passive signal (the primary's only). */
  readonly onObservation?: (observation: AttemptObservation) => void
}

interface CacheInUse {
  readonly options: EdgeCacheOptions
  readonly cache: ResponseCache | undefined
}

/**
 * One serving edge router: the routes and pools (`Router`), the Hono chain over them, and the client
 * listeners. The single-process daemon runs one; with `--workers N` each worker runs one, fed health by
 * the primary.
 */
export class EdgeNode {
  readonly router: Router
  readonly #options: EdgeNodeOptions
  readonly #logger: Logger
  #config: Deployment
  #trusted: (address: string) => boolean
  #debug: boolean
  #sample: number
  #maxBodyBytes: number
  #listeners: Listeners | undefined
  #cache: CacheInUse
  readonly #tunnels = new Tunnels()
  readonly #loopDelay = new LoopDelay()
  readonly #panicking = new Set<string>()
  #monitorPath: string | undefined
  #stopping = false

  constructor(options: EdgeNodeOptions) {
    this.#options = options
    this.#logger = options.logger.child({ component: 'edge' })
    this.#config = options.config
    const edge = this.#edge(options.config)
    this.#trusted = compileCidrs(edge.trustedProxies)
    this.#debug = edge.debugHeaders
    this.#monitorPath = edge.monitorPath
    this.#sample = options.config.log.queryLogSample
    this.#maxBodyBytes = edge.limits.maxBodyBytes
    this.#cache = this.#cacheFor(edge.cache)
    this.router = new Router(routerConfig(options.config), {
      clock: options.clock,
      rng: options.rng,
      locality: { region: edge.region, zone: edge.zone },
      health: options.health,
      onEjection: (event) => this.#onEjection(event),
      onObservation: options.onObservation,
      onPanic: (pool, panic, healthy, eligible) => {
        const fields = { pool, healthy, eligible }
        // Before the first probe round every endpoint is unknown and the pool panics quietly: nothing is
        // served yet. Only a panic while serving is worth a warning, and then its end.
        if (panic && this.#listeners !== undefined) {
          this.#panicking.add(pool)
          this.#logger.warn(fields, 'pool in panic: sending to every endpoint that is not drained')
        } else if (!panic && this.#panicking.delete(pool)) this.#logger.info(fields, 'pool out of panic')
      },
      // Metrics carry the limit; the log only has it at debug level (it moves every window under load).
      onLimit: (pool, limit) => this.#logger.debug({ pool, limit }, 'admission limit changed'),
      selfDelayMs: () => this.#loopDelay.ms,
    })
  }

  /** A cache of the new size, or the one in use when its bounds did not change (its copies are kept). */
  #cacheFor(options: EdgeCacheOptions): CacheInUse {
    const current = this.#cache as CacheInUse | undefined
    if (
      current &&
      current.options.maxBytes === options.maxBytes &&
      current.options.maxEntryBytes === options.maxEntryBytes
    )
      return current
    const cache =
      options.maxBytes === 0 ? undefined : new ResponseCache({ ...options, clock: this.#options.clock })
    return { options, cache }
  }

  /** The response cache in use; undefined when `edge.cache.maxBytes` is 0. */
  get cache(): ResponseCache | undefined {
    return this.#cache.cache
  }

  #edge(config: Deployment) {
    return instanceOf(config, this.#options.instance).edge!
  }

  /** A new configuration: routes and pools swap at once; listeners and limits keep theirs until a restart. */
  apply(config: Deployment): void {
    const edge = this.#edge(config)
    this.#trusted = compileCidrs(edge.trustedProxies)
    this.#debug = edge.debugHeaders
    this.#monitorPath = edge.monitorPath
    this.#sample = config.log.queryLogSample
    this.#maxBodyBytes = edge.limits.maxBodyBytes
    this.#cache = this.#cacheFor(edge.cache)
    const restart = this.#listeners?.setLimits(edge.limits) ?? []
    for (const key of restart)
      this.#logger.warn({ key: `limits.${key}` }, 'changed; takes effect after a restart')
    this.#config = config
    this.router.apply(routerConfig(config))
  }

  get config(): Deployment {
    return this.#config
  }

  /** Health or overrides changed. */
  refresh(health?: HealthLookup): void {
    this.router.refresh(health)
  }

  async serve(): Promise<readonly string[]> {
    const via = viaValue(this.#options.instance)
    const table = () => this.router.table
    const trusted = () => this.#trusted
    const app = createEdgeApp({
      clock: this.#options.clock,
      rng: this.#options.rng,
      table,
      via,
      trusted,
      debug: () => this.#debug,
      maxBodyBytes: () => this.#maxBodyBytes,
      cache: () => this.#cache.cache,
      onRequest: (record) => this.#onRequest(record),
      onError: (error, requestId) =>
        this.#logger.error({ err: error, requestId }, 'request failed in a stage'),
    })
    const chain = fastEdgeListener(app)
    const listener = (incoming: IncomingMessage, outgoing: ServerResponse): void => {
      if (!this.#monitor(incoming, outgoing)) chain(incoming, outgoing)
    }
    const open = openListeners({
      edge: this.#edge(this.#config),
      onRequest: listener,
      onUpgrade: upgradeStage({
        clock: this.#options.clock,
        table,
        via,
        trusted,
        tunnels: this.#tunnels,
        onUpgrade: (result) => {
          if (result.answered) this.#logger.debug(result, 'upgrade not tunnelled')
        },
      }),
      logger: this.#options.logger.child({ component: 'listen' }),
    })
    try {
      this.#listeners = await open
    } catch (error) {
      // The listeners name paths below the instance's `edge` entry; say where in the file that is.
      if (!isNinesError(error)) throw error
      throw new NinesError(error.code, `instances.${this.#options.instance}.edge.${error.message}`, {
        cause: error,
      })
    }
    for (const pool of this.router.pools.values()) {
      if (!pool.view.panic) continue
      this.#panicking.add(pool.name)
      const { healthy, eligible } = pool.view
      this.#logger.warn(
        { pool: pool.name, healthy, eligible },
        'pool in panic: sending to every endpoint that is not drained',
      )
    }
    return this.#listeners.addresses
  }

  get connections(): number {
    return this.#listeners?.connections() ?? 0
  }

  get instance(): string {
    return this.#options.instance
  }

  /** Graceful: stop accepting, finish requests in flight up to the deadline, tunnels last. */
  async stop(deadlineMs: number): Promise<void> {
    this.#stopping = true
    await this.#listeners?.close({ deadlineMs }) // it logs what it finished and what it forced
    this.#tunnels.closeAll() // the listeners ended the client side; nothing may outlive the process's wish to exit
    await this.router.close()
    this.#loopDelay.stop()
  }

  /** Answers `monitorPath` (GET or HEAD, any host) from the router itself; false for any other request. */
  #monitor(incoming: IncomingMessage, outgoing: ServerResponse): boolean {
    const path = this.#monitorPath
    const url = incoming.url
    if (path === undefined || url === undefined || !url.startsWith(path)) return false
    if (url.length > path.length && url[path.length] !== '?') return false
    if (incoming.method !== 'GET' && incoming.method !== 'HEAD') return false
    const status = this.#stopping ? 503 : 200
    const body = status === 200 ? 'ok\n' : 'shutting down\n'
    outgoing.writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
      via: viaValue(this.#options.instance),
      ...(this.#stopping && { connection: 'close' }),
    })
    outgoing.end(incoming.method === 'HEAD' ? undefined : body)
    return true
  }

  #onRequest(record: RequestRecord): void {
    this.#options.stats.record(record)
    if (this.#sample > 0 && Math.random() < this.#sample) this.#logger.info(record, 'request')
  }

  #onEjection(event: EjectionEvent): void {
    const { type, ...fields } = event
    if (type === 'ejected') {
      this.#options.stats.ejected(event.pool, event.reason)
      this.#logger.warn(fields, 'endpoint ejected')
    } else if (type === 'returned') this.#logger.info(fields, 'endpoint returned from ejection')
    else this.#logger.warn(fields, 'endpoint kept: too many of its pool are ejected')
  }
}

/** What the router reads of the deployment. */
export function routerConfig(config: Deployment) {
  return { routes: config.edge?.routes ?? [], pools: config.pools }
}
