import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { watchConfig, type ConfigWatcher } from '@nines/config'
import { NinesError, mathRng, systemClock, type EffectiveState } from '@nines/core'
import {
  DnsServer,
  buildAnswers,
  QueryCounters,
  createQueryHandler,
  type AnswerTable,
  type NameReport,
  type PriorityState,
  type QueryCountersSnapshot,
  type QuerySample,
} from '@nines/dns'
import {
  AvailabilityLedger,
  Monitor,
  recordAvailability,
  toEndpoint,
  type MonitorTarget,
} from '@nines/health'
import { createMetrics, serveAdmin, type AdminServer, type Logger } from '@nines/ops'
import { adminApp } from './admin.js'
import { configSchema, type Config, type InstanceConfig } from './config.js'
import { exportMetrics } from './metrics.js'

/** An endpoint that came up this recently is still "recovering": answers keep the short TTL. */
const recoveringMs = 30_000

export interface DaemonOptions {
  readonly configFile: string
  readonly instance: string
  readonly logger: Logger
  /** Cluster primary: answers are served by workers, which get every new input here. */
  readonly publish?: (input: AnswerInput) => void
  /** Cluster primary: query counters summed over the workers, for /metrics. */
  readonly counters?: () => QueryCountersSnapshot
}

export interface Daemon {
  readonly admin: AdminServer
  readonly dns: readonly { address: string; port: number }[]
  stop(): Promise<void>
}

/** What a table is built from: plain data, so cluster workers can be sent it and build their own. */
export interface AnswerInput {
  readonly config: Config
  readonly health: Readonly<Record<string, { effective: EffectiveState; recovering: boolean }>>
  readonly priority: readonly (readonly [string, PriorityState])[]
  readonly serial: number
  readonly now: number
}

export function buildFrom(input: AnswerInput) {
  return buildAnswers({
    zones: input.config.dns.zones,
    pools: input.config.pools,
    localities: input.config.dns.localities,
    health: (pool, endpoint) =>
      input.health[monitorId(pool, endpoint)] ?? { effective: 'unknown', recovering: false },
    priority: new Map(input.priority),
    serial: input.serial,
    rng: mathRng,
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

/** The sampled query log (`log.queryLogSample`, a share of queries); off by default. */
export function queryLog(config: Config, logger: Logger) {
  const share = config.log.queryLogSample
  if (!share) return {}
  return {
    sampleEvery: Math.max(1, Math.round(1 / share)),
    onQuery: (sample: QuerySample) => logger.info({ query: sample }, 'query'),
  }
}

/** Came back after being down, as opposed to a first verdict or one restored at start-up. */
const recovered = (reason: string): boolean =>
  !reason.startsWith('first result') && !reason.startsWith('restored')

/** Monitor ids are `pool/endpoint`, so two pools may both name an endpoint `a`. */
export const monitorId = (pool: string, endpoint: string): string => `${pool}/${endpoint}`

function instanceOf(config: Config, name: string): InstanceConfig {
  const instance = config.instances[name]
  if (!instance) {
    const known = Object.keys(config.instances).join(', ')
    throw new NinesError('NINES_ERR_UNKNOWN_INSTANCE', `unknown instance "${name}" (instances: ${known})`)
  }
  return instance
}

/** The pools that DNS names refer to, as monitor targets. */
function targetsOf(config: Config): MonitorTarget[] {
  const used = new Set<string>()
  for (const zone of Object.values(config.dns.zones))
    for (const entry of Object.values(zone.names)) used.add(entry.pool)
  const targets: MonitorTarget[] = []
  for (const pool of used) {
    const poolConfig = config.pools[pool]
    if (!poolConfig) continue
    for (const endpointConfig of poolConfig.endpoints) {
      const endpoint = toEndpoint(endpointConfig)
      targets.push({
        endpoint: { ...endpoint, id: monitorId(pool, endpoint.id) },
        pool,
        check: poolConfig.check,
      })
    }
  }
  return targets
}

/**
 * Starts one nines-dns instance: loads and watches the configuration, probes the pools, waits for the
 * first probe round (nobody is answered from ignorance), then serves answers rebuilt on every change.
 */
export async function startDaemon(options: DaemonOptions): Promise<Daemon> {
  const { logger } = options
  const clock = systemClock()
  let reloadSnapshot: (config: Config, reason: string) => void = () => {}
  const watcher: ConfigWatcher<Config> = await watchConfig(options.configFile, configSchema, {
    logger,
    onReload: (config) => reloadSnapshot(config, 'config reloaded'),
    onError: (error) =>
      logger.error(
        { code: error.code, error: error.message },
        'configuration rejected; the running one stays',
      ),
  })
  let config = watcher.current
  const instance = instanceOf(config, options.instance)
  await mkdir(instance.stateDir, { recursive: true })

  const monitor = new Monitor({
    observer: options.instance,
    logger: logger.child({ component: 'health' }),
    stateFile: join(instance.stateDir, 'health-state.json'),
    maxSavedStateAgeMs: config.health.maxSavedStateAgeMs,
    damping: config.health.damping.enabled ? config.health.damping : false,
    passive: config.health.passive,
  })
  await monitor.load()
  monitor.set(targetsOf(config))
  const ledger = await AvailabilityLedger.open({ directory: join(instance.stateDir, 'ledger'), clock })
  const stopLedger = recordAvailability(monitor, ledger)

  const metrics = createMetrics({ prefix: 'nines_dns_', defaultLabels: { nines_instance: options.instance } })
  const counters = new QueryCounters()
  const serial = Math.floor(Date.now() / 1000)
  let priority = new Map<string, PriorityState>()
  let snapshot: Snapshot | undefined
  let rebuildTimer: NodeJS.Timeout | undefined
  let rebuildQueued = false
  let ready = false

  const rebuild = (reason: string): void => {
    const now = clock.now()
    const health: Record<string, { effective: EffectiveState; recovering: boolean }> = {}
    for (const status of monitor.list()) {
      const recovering =
        status.effective === 'up' && now - status.since < recoveringMs && recovered(status.reason)
      health[status.endpoint.id] = { effective: status.effective, recovering }
    }
    const input: AnswerInput = { config, health, priority: [...priority], serial, now }
    const built = buildFrom(input)
    priority = built.priority
    options.publish?.({ ...input, priority: [...priority] })
    const previous = snapshot
    snapshot = { config, table: built.table, names: built.names, builtAt: now }
    exported.onRebuild(previous?.names, built.names)
    logger.debug({ reason, names: built.names.length }, 'answers rebuilt')
    // Wake up again when a hold time or a recovering period ends, so TTLs and failback follow.
    const wake = [
      built.nextChangeAt,
      ...monitor.list().map((s) => (s.effective === 'up' ? s.since + recoveringMs : 0)),
    ]
      .filter((at): at is number => at !== undefined && at > now)
      .reduce((a, b) => Math.min(a, b), Infinity)
    clearTimeout(rebuildTimer)
    if (wake !== Infinity)
      rebuildTimer = setTimeout(() => rebuild('timer'), Math.min(wake - now + 5, 2 ** 31 - 1))
  }
  // Many transitions in one tick (a zone failing) cost one rebuild.
  const queueRebuild = (reason: string): void => {
    // Before the first round completes nothing is served, and an early verdict (a standby answering
    // first) must not pick the active priority group.
    if (rebuildQueued || !ready) return
    rebuildQueued = true
    setImmediate(() => {
      rebuildQueued = false
      rebuild(reason)
    })
  }
  const exported = exportMetrics({
    metrics,
    monitor,
    counters: options.counters ?? (() => counters.snapshot()),
    snapshot: () => snapshot,
  })
  monitor.on('transition', () => queueRebuild('transition'))

  reloadSnapshot = (next, reason) => {
    try {
      const nextInstance = instanceOf(next, options.instance)
      if (JSON.stringify(nextInstance) !== JSON.stringify(instanceOf(config, options.instance))) {
        logger.warn(
          { instance: options.instance },
          'listen, admin or stateDir changes take effect after a restart',
        )
      }
    } catch (error) {
      logger.error({ error: (error as Error).message }, 'configuration rejected; the running one stays')
      return
    }
    config = next
    monitor.set(targetsOf(config)) // unchanged endpoints keep their state
    rebuild(reason)
    logger.info({ reason, pools: Object.keys(config.pools).length }, 'configuration applied')
  }

  const server = new DnsServer({
    handler: createQueryHandler({
      resolver: () => snapshot!.table,
      maxUdpPayload: instance.dns.maxUdpPayload,
      counters,
      logger,
      ...queryLog(config, logger),
    }),
    logger: logger.child({ component: 'dns' }),
    tcp: instance.dns.tcp,
    rrl: instance.dns.rrl,
  })

  const admin = await serveAdmin(
    adminApp({
      metrics,
      monitor,
      ledger,
      instance: options.instance,
      token: instance.admin.token,
      ready: () => (ready ? true : { ready: false, reason: 'waiting for the first probe round' }),
      snapshot: () => snapshot,
      failback: (name, to) => {
        const state = priority.get(name)
        if (!state) return false
        priority.set(name, { ...state, active: to, since: clock.now() })
        rebuild(`manual failback of ${name}`)
        return true
      },
      logger,
    }),
    instance.admin,
  )
  logger.info({ admin: admin.url }, 'admin API listening')

  monitor.start()
  const complete = await monitor.firstRound(config.health.firstRoundCapMs)
  if (!complete)
    logger.warn(
      { capMs: config.health.firstRoundCapMs },
      'first probe round incomplete; unknown endpoints count as down',
    )
  ready = true
  rebuild('start')
  let bound: { address: string; port: number }[] = []
  try {
    if (!options.publish) bound = await server.listen(instance.dns.listen)
  } catch (error) {
    await Promise.allSettled([admin.close(), monitor.stop(), ledger.close()])
    watcher.close()
    throw error
  }
  logger.info({ dns: bound, admin: admin.url, serial }, 'nines-dns ready')

  const onHup = (): void => void watcher.reload('SIGHUP')
  process.on('SIGHUP', onHup)
  const compaction = setInterval(() => void ledger.compact().catch(() => undefined), 6 * 3_600_000)
  compaction.unref()

  return {
    admin,
    dns: bound,
    async stop() {
      process.off('SIGHUP', onHup)
      clearInterval(compaction)
      clearTimeout(rebuildTimer)
      watcher.close()
      stopLedger()
      await server.close()
      await admin.close()
      await monitor.stop()
      await ledger.close()
      logger.info({ instance: options.instance }, 'nines-dns stopped')
    },
  }
}
