import {
  DnsServer,
  QueryCounters,
  failback,
  explain,
  nameChanges,
  zoneSerial,
  type EndpointHealthView,
  type PriorityState,
  type DnsServerOptions,
  type QueryCountersSnapshot,
} from '@nines/dns'
import type { DaemonContext, DaemonService } from '@nines/daemon'
import { dnsRoutes } from './admin.js'
import { buildFrom, swappableHandler, type AnswerInput, type Snapshot } from './answers.js'
import { dnsInstance, dnsSection, type Config, type InstanceConfig } from './config.js'
import { exportDnsMetrics } from './metrics.js'

/** Where answers are served from: this process's sockets, or cluster workers fed every new input. */
export interface Serving {
  /** Every new input, for workers that build their own tables. */
  publish?(input: AnswerInput): void
  counters(): QueryCountersSnapshot
  serve(): Promise<Record<string, unknown>>
  stop(): Promise<void>
}

/**
 * The DNS part of nines-dns: rebuilds the answer table on every health or config change (many
 * transitions in one tick cost one rebuild), keeps the last good table when a build fails, and serves
 * from this process's sockets, or through `serving` (cluster workers).
 */
export function dnsService(ctx: DaemonContext<Config>, serving?: Serving): DaemonService<Config> {
  const { monitor, clock, logger } = ctx
  let priority = new Map<string, PriorityState>()
  let snapshot: Snapshot | undefined
  let rebuildTimer: NodeJS.Timeout | undefined
  let rebuildQueued = false

  const inputFor = (config: Config): AnswerInput => {
    const now = clock.now()
    const health: Record<string, EndpointHealthView> = {}
    for (const { endpoint, effective, recoveredAt } of monitor.list())
      health[endpoint.id] = recoveredAt === undefined ? { effective } : { effective, recoveredAt }
    return { config, health, priority: [...priority], now }
  }

  const install = (input: AnswerInput, built: ReturnType<typeof buildFrom>, reason: string): void => {
    priority = built.priority
    out.publish?.({ ...input, priority: [...priority] })
    const previous = snapshot
    snapshot = { config: input.config, table: built.table, names: built.names, builtAt: input.now }
    metrics.onRebuild(previous?.names, built.names)
    logChanges(previous?.names, built.names)
    logger.debug({ reason, names: built.names.length }, 'answers rebuilt')
    // Wake up again when a held failback falls due or a recovering window ends, so TTLs and failback follow.
    clearTimeout(rebuildTimer)
    const wake = built.nextChangeAt
    if (wake !== undefined && wake > input.now)
      rebuildTimer = setTimeout(() => rebuild('timer'), Math.min(wake - input.now + 5, 2 ** 31 - 1))
  }

  // Each name's move between healthy, degraded, panic and all-down (and in or out of fail-open), once.
  const logChanges = (before: Snapshot['names'] | undefined, after: Snapshot['names']): void => {
    for (const change of nameChanges(before, after)) {
      const fields = { dnsName: change.name, from: change.from ?? null, to: change.to, reason: change.reason }
      if (change.failedOpen) logger.warn(fields, 'name failed open: answering every endpoint, none is up')
      else if (change.to === 'healthy' || change.from === undefined) logger.info(fields, 'name state changed')
      else logger.warn(fields, 'name state changed')
    }
  }

  const rebuild = (reason: string): void => {
    const input = inputFor(ctx.config())
    let built: ReturnType<typeof buildFrom>
    try {
      built = buildFrom(input)
    } catch (error) {
      // The config was built once before it was accepted; this is a bug, not bad input: keep serving.
      logger.error({ err: error, reason }, 'answers could not be rebuilt; the last table stays')
      return
    }
    install(input, built, reason)
  }

  // Before the first round completes nothing is served, and an early verdict (a standby answering
  // first) must not pick the active priority group.
  const queueRebuild = (reason: string): void => {
    if (rebuildQueued || !ctx.ready()) return
    rebuildQueued = true
    setImmediate(() => {
      rebuildQueued = false
      rebuild(reason)
    })
  }
  monitor.on('transition', () => queueRebuild('transition'))

  const counters = new QueryCounters()
  const handler = swappableHandler({
    table: () => snapshot!.table,
    instance: (config) => dnsInstance(config, ctx.instance),
    counters,
    logger,
  })
  handler.use(ctx.config())
  const out: Serving = serving ?? localServing(ctx, handler.handler, counters)
  const metrics = exportDnsMetrics({
    metrics: ctx.metrics,
    counters: () => out.counters(),
    snapshot: () => snapshot,
  })

  return {
    routes: (app) =>
      dnsRoutes(app, {
        monitor,
        instance: ctx.instance,
        ready: ctx.ready,
        snapshot: () => snapshot,
        explain: (question) => snapshot && explain(snapshot, question),
        failback: (name, to) => {
          const state = priority.get(name)
          if (!state) return false
          priority.set(name, failback(state, to, clock.now())) // throws for a priority that cannot be
          rebuild(`manual failback of ${name}`)
          return true
        },
      }),
    prepare: (config) => {
      const input = inputFor(config)
      return { input, built: buildFrom(input) }
    },
    apply: (config, previous, prepared) => {
      if (config.log.queryLogSample !== previous.log.queryLogSample) handler.use(config)
      if (!ctx.ready()) return
      const { input, built } = prepared as { input: AnswerInput; built: ReturnType<typeof buildFrom> }
      install(input, built, 'config reloaded')
      logger.info({ serials: serials(config) }, 'answers of the new configuration served')
    },
    serve: async () => {
      rebuild('start')
      return { ...(await out.serve()), serials: serials(ctx.config()) }
    },
    stop: async () => {
      clearTimeout(rebuildTimer)
      await out.stop()
    },
  }
}

/** The DnsServer options an instance's `dns` entry gives (sockets, limits, RRL, DoH/DoT, TLS). */
export function serverOptions(dns: InstanceConfig['dns']): Omit<DnsServerOptions, 'handler'> {
  return {
    tcp: dns.tcp,
    rrl: dns.rrl,
    ...(dns.tls ? { tls: dns.tls } : {}),
    ...(dns.doh
      ? {
          doh: {
            path: dns.doh.path,
            jsonPath: dns.doh.jsonPath,
            cors: dns.doh.cors,
            trustedProxies: dns.doh.trustedProxies,
          },
        }
      : {}),
  }
}

/** Each DNS zone's SOA serial: equal on every instance that runs the same configuration. */
function serials(config: Config): Record<string, number> {
  return Object.fromEntries(
    Object.entries(dnsSection(config).zones).map(([origin, zone]) => [
      origin,
      zone.soa.serial ?? zoneSerial(origin, zone, config.pools),
    ]),
  )
}

/** One process answers on its own sockets. */
function localServing(
  ctx: DaemonContext<Config>,
  handler: ReturnType<typeof swappableHandler>['handler'],
  counters: QueryCounters,
): Serving {
  const instance = dnsInstance(ctx.config(), ctx.instance)
  const server = new DnsServer({
    handler,
    logger: ctx.logger.child({ component: 'dns' }),
    counters: counters.socket,
    ...serverOptions(instance.dns),
  })
  return {
    counters: () => counters.snapshot(),
    // UDP and TCP, and DoH and DoT when configured; their certificates reload when the files change.
    serve: async () => ({ ...(await server.listenAll(instance.dns)) }),
    stop: () => server.close(),
  }
}
