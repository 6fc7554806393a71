import type { Clock, Rng } from '@nines/core'
import { instanceOf } from '@nines/daemon'
import type { Deployment } from '@nines/deployment'
import {
  Router,
  compileCidrs,
  createEdgeApp,
  edgeRequestListener,
  openListeners,
  viaValue,
  type AttemptObservation,
  type EjectionEvent,
  type HealthLookup,
  type Listeners,
  type RequestRecord,
} from '@nines/edge'
import type { Logger } from '@nines/ops'
import { handleUpgrade } from './upgrade.js'
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
  #listeners: Listeners | undefined

  constructor(options: EdgeNodeOptions) {
    this.#options = options
    this.#logger = options.logger
    this.#config = options.config
    const edge = this.#edge(options.config)
    this.#trusted = compileCidrs(edge.trustedProxies)
    this.#debug = edge.debugHeaders
    this.#sample = options.config.log.queryLogSample
    this.router = new Router(routerConfig(options.config), {
      clock: options.clock,
      rng: options.rng,
      locality: { region: edge.region, zone: edge.zone },
      health: options.health,
      onEjection: (event) => this.#onEjection(event),
      onObservation: options.onObservation,
      onPanic: (pool, panic, healthy, eligible) => {
        const fields = { pool, healthy, eligible }
        if (panic) this.#logger.warn(fields, 'pool in panic: sending to every endpoint that is not drained')
        else this.#logger.info(fields, 'pool out of panic')
      },
    })
  }

  #edge(config: Deployment) {
    return instanceOf(config, this.#options.instance).edge!
  }

  /** A new configuration: routes and pools swap at once; listeners and limits keep theirs until a restart. */
  apply(config: Deployment): void {
    const edge = this.#edge(config)
    this.#trusted = compileCidrs(edge.trustedProxies)
    this.#debug = edge.debugHeaders
    this.#sample = config.log.queryLogSample
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

  async serve(): Promise<string[]> {
    const app = createEdgeApp({
      clock: this.#options.clock,
      rng: this.#options.rng,
      table: () => this.router.table,
      via: viaValue(this.#options.instance),
      trusted: () => this.#trusted,
      debug: () => this.#debug,
      onRequest: (record) => this.#onRequest(record),
      onError: (error, requestId) => this.#logger.error({ err: error, requestId }, 'request failed in a stage'),
    })
    const listener = edgeRequestListener(app)
    this.#listeners = await openListeners({
      edge: this.#edge(this.#config),
      onRequest: (req, res) => void listener(req, res),
      onUpgrade: (req, socket, head) =>
        handleUpgrade({ req, socket, head, node: this, listeners: this.#listeners!, clock: this.#options.clock }),
      logger: this.#logger.child({ component: 'listen' }),
    })
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
    const closed = await this.#listeners?.close({ deadlineMs })
    if (closed !== undefined) this.#logger.info(closed, 'listeners closed')
    await this.router.close()
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
