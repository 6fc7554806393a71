import { instanceOf, type DaemonContext, type DaemonService } from '@nines/daemon'
import type { Deployment } from '@nines/deployment'
import { compileRoutes } from '@nines/edge'
import { edgeRoutes } from './admin.js'
import { healthEntries, type HealthEntries } from './health.js'
import { exportEdgeMetrics } from './metrics.js'
import type { EdgeNode } from './node.js'
import { routerConfig } from './node.js'
import type { StatsSnapshot } from './stats.js'

/** What serving needs on every change: the configuration in force and every endpoint's health. */
export interface EdgeInput {
  readonly config: Deployment
  readonly health: HealthEntries
}

/** Where requests are served: this process's node (`localServing`), or cluster workers fed every change. */
export interface Serving {
  update(input: EdgeInput, configChanged: boolean): void
  /** This process's node, for the admin API's status (absent with workers). */
  readonly node?: EdgeNode | undefined
  stats(): StatsSnapshot
  serve(): Promise<Record<string, unknown>>
  stop(deadlineMs: number): Promise<void>
}

/**
 * The edge part of nines-edge: serving follows every health transition and override (many in one tick
 * cost one update) and every accepted reload.
 */
export function edgeService(ctx: DaemonContext<Deployment>, out: Serving): DaemonService<Deployment> {
  const { monitor } = ctx
  const input = (): EdgeInput => ({ config: ctx.config(), health: healthEntries(monitor) })
  let queued = false
  monitor.on('transition', () => {
    if (queued || !ctx.ready()) return
    queued = true
    setImmediate(() => {
      queued = false
      out.update(input(), false)
    })
  })
  exportEdgeMetrics(
    ctx.metrics,
    () => out.stats(),
    () => out.node,
  )

  return {
    routes: (app) => edgeRoutes(app, { node: () => out.node }),
    prepare: (config) => {
      instanceOf(config, ctx.instance)
      // Only a table that builds is accepted; pools and route references were checked by the schema.
      compileRoutes(routerConfig(config).routes)
      return undefined
    },
    apply: () => {
      if (ctx.ready()) out.update(input(), true)
    },
    serve: async () => {
      out.update(input(), false)
      return await out.serve()
    },
    stop: () => out.stop(instanceOf(ctx.config(), ctx.instance).edge!.shutdownTimeoutMs),
  }
}
