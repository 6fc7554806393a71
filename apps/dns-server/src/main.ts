#!/usr/bin/env -S node --max-semi-space-size=8
// nines-dns: `nines-dns --config FILE --instance NAME [--workers N]`, `nines-dns check FILE`,
// `nines-dns schema`, `nines-dns explain NAME [TYPE] --config FILE --instance NAME [--client IP]`.
import { isWorker, runCli, startDaemon } from '@nines/daemon'
import { clusterServing, runDnsWorker } from './cluster.js'
import { configSchema, dnsTargets, role } from './config.js'
import { dnsService } from './service.js'

await runCli({
  name: 'nines-dns',
  schema: configSchema,
  role,
  check: (config) => {
    const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`
    const serving = Object.values(config.instances).filter((entry) => entry.dns !== undefined).length
    return [
      count(Object.keys(config.instances).length, 'instance'),
      `${serving} with dns`,
      count(Object.keys(config.dns?.zones ?? {}).length, 'DNS zone'),
      count(config.edge?.routes.length ?? 0, 'route'),
    ].join(', ')
  },
  run: async ({ configFile, instance, workers, logger }) => {
    if (isWorker()) return runDnsWorker(instance, logger)
    return startDaemon(
      {
        name: 'nines-dns',
        schema: configSchema,
        metricsPrefix: 'nines_dns_',
        role,
        targets: dnsTargets,
        create: (ctx) => dnsService(ctx, workers > 1 ? clusterServing(ctx, workers) : undefined),
      },
      { configFile, instance, logger },
    )
  },
  explain: {
    usage: 'NAME [TYPE]',
    path: '/explain',
    query: ([name, type], client) =>
      new URLSearchParams({ name: name!, type: type ?? 'A', ...(client === undefined ? {} : { client }) }),
  },
})
