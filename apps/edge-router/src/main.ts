#!/usr/bin/env node
// nines-edge: `nines-edge --config FILE --instance NAME [--workers N]`, `nines-edge check FILE`,
// `nines-edge schema`, `nines-edge override POOL/ENDPOINT drain|up|down|clear --config FILE`.
import { isWorker, runCli, startDaemon } from '@nines/daemon'
import { deploymentSchema, edgeTargets } from '@nines/deployment'
import { clusterServing, runEdgeWorker } from './cluster.js'
import { localServing } from './local.js'
import { edgeService } from './service.js'

await runCli({
  name: 'nines-edge',
  schema: deploymentSchema,
  role: 'edge',
  check: (config) => {
    const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`
    const edges = Object.values(config.instances).filter((i) => i.edge !== undefined).length
    return `${count(edges, 'edge instance')}, ${count(config.edge?.routes.length ?? 0, 'route')}`
  },
  run: async ({ configFile, instance, workers, logger }) => {
    if (isWorker()) return runEdgeWorker(instance, logger)
    return startDaemon(
      {
        name: 'nines-edge',
        schema: deploymentSchema,
        role: 'edge',
        metricsPrefix: 'nines_edge_',
        targets: edgeTargets,
        create: (ctx) => edgeService(ctx, workers > 1 ? clusterServing(ctx, workers) : localServing(ctx)),
      },
      { configFile, instance, logger },
    )
  },
})
