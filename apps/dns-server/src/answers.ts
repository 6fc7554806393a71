import { seededRng } from '@nines/core'
import {
  buildAnswers,
  createQueryHandler,
  type AnswerTable,
  type EndpointHealthView,
  type NameReport,
  type PriorityState,
  type QueryCounters,
  type QueryHandler,
  type QuerySample,
} from '@nines/dns'
import { monitorId } from '@nines/daemon'
import type { Logger } from '@nines/ops'
import { dnsSection, type Config, type InstanceConfig } from './config.js'

/** What a table is built from: plain data, so cluster workers can be sent it and build their own. */
export interface AnswerInput {
  readonly config: Config
  readonly health: Readonly<Record<string, EndpointHealthView>>
  readonly priority: readonly (readonly [string, PriorityState])[]
  readonly now: number
}

const unknown: EndpointHealthView = { effective: 'unknown' }

/**
 * Builds the table of `input`. The draws are seeded from the input, so the primary and every cluster
 * worker build the same variants from the same input, and `/explain` (answered by the primary) shows
 * what the workers serve.
 */
export function buildFrom(input: AnswerInput) {
  return buildAnswers({
    zones: dnsSection(input.config).zones,
    pools: input.config.pools,
    localities: dnsSection(input.config).localities,
    health: (pool, endpoint) => input.health[monitorId(pool, endpoint)] ?? unknown,
    priority: new Map(input.priority),
    rng: seededRng(input.now),
    now: input.now,
  })
}

/** The state the daemon swaps as a whole on every health or config change. */
export interface Snapshot {
  readonly config: Config
  readonly table: AnswerTable
  readonly names: readonly NameReport[]
  readonly builtAt: number
}

/**
 * The query path's handler for a config, behind one indirection so a reload can swap it (the sampled
 * query log, `log.queryLogSample`, is fixed inside a handler so the query path never reads config).
 */
export function swappableHandler(options: {
  readonly table: () => AnswerTable
  readonly instance: (config: Config) => InstanceConfig
  readonly counters: QueryCounters
  readonly logger: Logger
}) {
  const make = (config: Config): QueryHandler => {
    const share = config.log.queryLogSample
    const { dns } = options.instance(config)
    return createQueryHandler({
      resolver: options.table,
      maxUdpPayload: dns.maxUdpPayload,
      identity: dns.identity,
      counters: options.counters,
      logger: options.logger,
      ...(share > 0 && {
        sampleEvery: Math.max(1, Math.round(1 / share)),
        onQuery: (sample: QuerySample) => options.logger.info({ query: sample }, 'query'),
      }),
    })
  }
  let current: QueryHandler | undefined
  const handler: QueryHandler = (msg, client, transport) => current!(msg, client, transport)
  return {
    handler,
    /** Makes the handler of `config` current (at start and on a reload that changed the query log). */
    use(config: Config): void {
      current = make(config)
    },
  }
}
