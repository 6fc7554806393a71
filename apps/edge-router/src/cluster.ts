import { mathRng, systemClock } from '@nines/core'
import { WorkerPool, instanceOf, runWorker, type DaemonContext } from '@nines/daemon'
import type { Deployment } from '@nines/deployment'
import type { Logger } from '@nines/ops'
import { healthLookup } from './health.js'
import { EdgeNode } from './node.js'
import type { EdgeInput, Serving } from './service.js'
import { busyFigures, RequestStats, type StatsSnapshot } from './stats.js'

/**
 * `--workers N` on the primary: it probes and owns health, overrides, the admin API and the ledger;
 * workers only serve, each with its own router fed every change, and share the listening sockets
 * through the primary (node:cluster). Passive ejection is per worker: each sees its own requests.
 */
export function clusterServing(ctx: DaemonContext<Deployment>, workers: number): Serving {
  let reports: readonly unknown[] = []
  const pool = new WorkerPool({
    count: workers,
    logger: ctx.logger,
    onReport: (latest) => (reports = latest),
    onGiveUp: (error) => ctx.fail(error),
  })
  return {
    update: (input, configChanged) => pool.publish({ ...input, configChanged }),
    stats: () => {
      const total = new RequestStats()
      for (const report of reports) total.add(report as StatsSnapshot)
      return total.snapshot()
    },
    serve: async () => {
      await pool.start()
      return { workers }
    },
    // Each worker drains for the deadline; the pool kills one that is still there a second later.
    stop: (deadlineMs) => pool.stop(deadlineMs + 1000),
  }
}

/** A worker: builds its node on the first input, follows the rest, drains on SIGTERM or SIGINT. */
export function runEdgeWorker(instance: string, parent: Logger): { stop(): Promise<void> } {
  const logger = parent
  const stats = new RequestStats()
  let node: EdgeNode | undefined
  let health = healthLookup([])
  runWorker({
    logger,
    report: () => ({
      ...stats.snapshot(busyFigures(node?.router.pools.values() ?? [], node?.cache)),
      connections: node?.connections ?? 0,
    }),
    onInput: async (message) => {
      const input = message as EdgeInput & { configChanged: boolean }
      health = healthLookup(input.health)
      if (node) {
        if (input.configChanged) node.apply(input.config)
        node.refresh(health)
        return
      }
      node = new EdgeNode({
        instance,
        config: input.config,
        health: (id) => health(id),
        clock: systemClock(),
        rng: mathRng,
        logger,
        stats,
      })
      logger.info({ edge: await node.serve() }, 'worker serving')
    },
  })
  const stop = async (): Promise<void> => {
    if (node) await node.stop(instanceOf(node.config, instance).edge!.shutdownTimeoutMs)
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const)
    process.once(signal, () => void stop().finally(() => process.exit(0)))
  return { stop }
}
