import { join } from 'node:path'
import { watchConfig, type ConfigWatcher } from '@nines/config'
import { systemClock, type Clock } from '@nines/core'
import { AvailabilityLedger, Monitor, recordAvailability, type MonitorTarget } from '@nines/health'
import {
  createAdminApp,
  createMetrics,
  serveAdmin,
  setLogLevel,
  type AdminServer,
  type Logger,
  type Metrics,
} from '@nines/ops'
import type { Hono } from 'hono'
import type { z } from 'zod'
import { changedPaths } from './changed-paths.js'
import { addHealthRoutes } from './health-admin.js'
import { exportHealthMetrics } from './health-metrics.js'
import { instanceOf } from './instance.js'
import type { BaseConfig } from './schema.js'
import { lockStateDir } from './state-dir.js'

/** What a daemon's own part gets from the runtime. */
export interface DaemonContext<C extends BaseConfig> {
  /** The instance this process runs as. */
  readonly instance: string
  /** The configuration in force (the last one applied). */
  readonly config: () => C
  readonly monitor: Monitor
  readonly ledger: AvailabilityLedger
  readonly metrics: Metrics
  readonly logger: Logger
  readonly clock: Clock
  /** True once the first probe round is over: nothing health-dependent is served before. */
  readonly ready: () => boolean
  /** Stops the daemon and ends the process with this error: for a part that cannot go on. */
  readonly fail: (error: Error) => void
}

/** A daemon's own part (the DNS server, the edge router), driven by the runtime. */
export interface DaemonService<C extends BaseConfig> {
  /** Adds this daemon's admin routes (after the health routes every daemon has). */
  routes?(app: Hono): void
  /**
   * Builds what serving a new configuration needs, without applying it; throws to refuse it (the
   * running one stays). Its result is handed to `apply`. Also what `check` runs on a file.
   */
  prepare(config: C, previous: C): unknown
  apply(config: C, previous: C, prepared: unknown): void
  /** Called once after the first probe round: start serving. Resolves with what the ready line logs. */
  serve(): Promise<Record<string, unknown>>
  stop(): Promise<void>
}

export interface DaemonSpec<S extends z.ZodType<BaseConfig>> {
  /** `nines-dns`: the ready line says `nines-dns ready`. */
  readonly name: string
  readonly schema: S
  /** `nines_dns_`: every metric of this daemon, health ones included. */
  readonly metricsPrefix: string
  /**
   * The instance key this daemon serves from (`dns`, `edge`): an instance without it is refused at
   * start-up and a reload that removes it is vetoed (NINES_ERR_INSTANCE_ROLE).
   */
  readonly role?: string
  /** What the monitor probes for a configuration: the pools this daemon serves from. */
  readonly targets: (config: z.output<S>) => MonitorTarget[]
  readonly create: (
    context: DaemonContext<z.output<S>>,
  ) => DaemonService<z.output<S>> | Promise<DaemonService<z.output<S>>>
}

export interface DaemonOptions {
  readonly configFile: string
  readonly instance: string
  /** From `createLogger`, so a reloaded `log.level` reaches every child. */
  readonly logger: Logger
}

export interface Daemon {
  readonly admin: AdminServer
  /** What `serve` resolved with (bound addresses). */
  readonly served: Record<string, unknown>
  /** Ordered shutdown: config watch, serving, admin API, probes (state flushed), ledger, lock. */
  stop(): Promise<void>
}

/**
 * Starts one daemon instance: installs SIGHUP first (a signal during start-up must never kill it),
 * loads and watches the configuration (every reload goes through the service's `prepare` veto), locks
 * the instance's state directory, restores and starts probing, opens the admin API, waits for the first
 * probe round, and only then lets the service serve: nobody is answered from ignorance.
 */
export async function startDaemon<S extends z.ZodType<BaseConfig>>(
  spec: DaemonSpec<S>,
  options: DaemonOptions,
): Promise<Daemon> {
  type C = z.output<S>
  const { logger, instance: name } = options
  const clock = systemClock()
  const undo: (() => unknown)[] = []
  const rollback = async () => {
    for (const step of undo.splice(0).reverse()) await Promise.resolve(step()).catch(() => undefined)
  }

  let hupPending = false
  let onHup = (): void => void (hupPending = true)
  const hup = (): void => onHup()
  process.on('SIGHUP', hup)
  undo.push(() => process.off('SIGHUP', hup))

  let service: DaemonService<C> | undefined
  let monitor: Monitor | undefined
  let config: C
  let ready = false
  try {
    const watcher: ConfigWatcher<C> = await watchConfig(options.configFile, spec.schema, {
      logger,
      prepare: (next, previous) => {
        instanceOf(next, name, spec.role, spec.name) // a file without this instance (or its role) is refused
        return service?.prepare(next, previous)
      },
      onReload: (next, previous, prepared) => apply(next, previous, prepared),
      onError: (error) =>
        logger.error(
          { code: error.code, error: error.message },
          'configuration rejected; the running one stays',
        ),
    })
    undo.push(() => watcher.close())
    config = watcher.current
    const instance = instanceOf(config, name, spec.role, spec.name)
    setLogLevel(logger, config.log.level)

    const stateDir = await lockStateDir(instance.stateDir, name)
    undo.push(() => stateDir.release())
    if (stateDir.removed.length > 0)
      logger.warn({ files: stateDir.removed }, 'removed temporary files a crash left behind')

    monitor = new Monitor({
      observer: name,
      logger: logger.child({ component: 'health' }),
      stateFile: join(instance.stateDir, 'health-state.json'),
      maxSavedStateAgeMs: config.health.maxSavedStateAgeMs,
      damping: config.health.damping.enabled ? config.health.damping : false,
      passive: config.health.passive,
    })
    await monitor.load()
    monitor.set(spec.targets(config))
    const ledger = await AvailabilityLedger.open({ directory: join(instance.stateDir, 'ledger'), clock })
    undo.push(() => ledger.close())
    const probing = monitor
    undo.push(() => probing.stop())
    undo.push(recordAvailability(monitor, ledger))

    const metrics = createMetrics({ prefix: spec.metricsPrefix, defaultLabels: { nines_instance: name } })
    exportHealthMetrics(metrics, monitor)

    // A reload must not reach a service that is stopping: the watch closes first, then the rest in reverse.
    let stopping: Promise<void> | undefined
    const stop = (): Promise<void> =>
      (stopping ??= Promise.resolve(watcher.close())
        .then(rollback)
        .then(() => logger.info({ instance: name }, `${spec.name} stopped`)))
    const context: DaemonContext<C> = {
      instance: name,
      config: () => config,
      monitor,
      ledger,
      metrics,
      logger,
      clock,
      ready: () => ready,
      fail: (error) => {
        logger.fatal({ err: error }, error.message)
        void stop().finally(() => process.exit(1))
      },
    }
    service = await spec.create(context)

    const app = createAdminApp({
      metrics,
      ready: () => (ready ? true : { ready: false, reason: 'waiting for the first probe round' }),
      ...(instance.admin.token === undefined ? {} : { token: instance.admin.token }),
      logger,
    })
    addHealthRoutes(app, { monitor, ledger, logger })
    service.routes?.(app)
    const admin = await serveAdmin(app, instance.admin)
    undo.push(() => admin.close())
    // Undone before the admin API closes, so /readyz and /metrics answer until serving has stopped.
    const created = service
    undo.push(() => created.stop())
    logger.info({ admin: admin.url }, 'admin API listening')

    // From here a SIGHUP reloads; one that came during start-up is honoured now.
    onHup = () => void watcher.reload('SIGHUP')
    if (hupPending) onHup()

    monitor.start()
    const complete = await monitor.firstRound(config.health.firstRoundCapMs)
    if (!complete)
      logger.warn(
        { capMs: config.health.firstRoundCapMs },
        'first probe round incomplete; unknown endpoints count as down',
      )
    ready = true
    const served = await service.serve()
    logger.info({ ...served, admin: admin.url }, `${spec.name} ready`)

    const compaction = setInterval(() => void ledger.compact().catch(() => undefined), 6 * 3_600_000)
    compaction.unref()
    undo.push(() => clearInterval(compaction))

    return { admin, served, stop }
  } catch (error) {
    await rollback()
    throw error
  }

  /** A reload the service accepted: what needs a restart is said key by key, the rest is applied. */
  function apply(next: C, previous: C, prepared: unknown): void {
    config = next
    const restart = [
      ...changedPaths(instanceOf(previous, name), instanceOf(next, name), `instances.${name}`),
      ...changedPaths(previous.health, next.health, 'health'),
    ]
    for (const key of restart) logger.warn({ key }, 'changed; takes effect after a restart')
    if (next.log.level !== previous.log.level) {
      setLogLevel(logger, next.log.level)
      logger.info({ level: next.log.level }, 'log level changed')
    }
    monitor?.set(spec.targets(next)) // unchanged endpoints keep their state
    service?.apply(next, previous, prepared)
    logger.info({ pools: Object.keys(next.pools).length, restart: restart.length }, 'configuration applied')
  }
}
