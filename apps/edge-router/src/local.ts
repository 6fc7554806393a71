import { mathRng } from '@nines/core'
import type { DaemonContext } from '@nines/daemon'
import type { Deployment } from '@nines/deployment'
import { monitorReporter } from '@nines/edge'
import { healthEntries, healthLookup } from './health.js'
import { EdgeNode } from './node.js'
import type { Serving } from './service.js'
import { busyFigures, RequestStats } from './stats.js'

/** One process serves: its node's router reads the monitor's verdicts and feeds it passive signals. */
export function localServing(ctx: DaemonContext<Deployment>): Serving {
  const stats = new RequestStats()
  let health = healthLookup(healthEntries(ctx.monitor))
  const node = new EdgeNode({
    instance: ctx.instance,
    config: ctx.config(),
    health: (id) => health(id),
    clock: ctx.clock,
    rng: mathRng,
    logger: ctx.logger,
    stats,
    onObservation: monitorReporter(ctx.monitor),
  })
  return {
    node,
    update: (input, configChanged) => {
      health = healthLookup(input.health)
      if (configChanged) node.apply(input.config)
      node.refresh(health)
    },
    stats: () => ({
      ...stats.snapshot(busyFigures(node.router.pools.values(), node.cache)),
      connections: node.connections,
    }),
    serve: async () => ({ edge: await node.serve() }),
    stop: (deadlineMs) => node.stop(deadlineMs),
  }
}
