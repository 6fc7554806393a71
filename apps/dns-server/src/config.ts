import { checkZoneReferences, dnsZonesSchema, localityMapSchema, serverOptionsSchema } from '@nines/dns'
import {
  baseInstanceShape,
  checkInstanceClaims,
  healthOptionsSchema,
  nameSchema,
  poolTargets,
} from '@nines/daemon'
import type { MonitorTarget } from '@nines/health'
import { poolSchema } from '@nines/health'
import { logSchema } from '@nines/ops'
import { z } from 'zod'
import { buildFrom } from './answers.js'

/** One nines-dns process: where it listens and keeps its state. Instances never share files. */
export const instanceSchema = z.strictObject({
  dns: serverOptionsSchema,
  ...baseInstanceShape,
})

/** The whole deployment in one file; each daemon picks its own entry of `instances`. */
export const configSchema = z
  .strictObject({
    instances: z
      .record(nameSchema, instanceSchema)
      .refine((i) => Object.keys(i).length > 0, 'expected at least one instance'),
    log: logSchema.prefault({}),
    pools: z.record(nameSchema, poolSchema),
    health: healthOptionsSchema,
    dns: z.strictObject({
      zones: dnsZonesSchema,
      localities: localityMapSchema.default([]),
    }),
  })
  .superRefine((config, ctx) => {
    const references = checkZoneReferences(config.dns.zones, new Set(Object.keys(config.pools)))
    for (const issue of references) {
      ctx.addIssue({ code: 'custom', path: ['dns', 'zones', ...issue.path], message: issue.message })
    }
    // The build start-up and every reload run, at its largest (every endpoint up) and when all are
    // down, so `check` passing means the daemon can build every answer it will ever need.
    if (references.length === 0) {
      const problem = unbuildable(config as Config)
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: ['dns'], message: problem })
    }
    checkInstanceClaims(config.instances, ctx, (entry) =>
      entry.dns.listen.map((listen, i) => [`listen ${listen}`, ['dns', 'listen', i]] as const),
    )
  })

export type Config = z.output<typeof configSchema>
export type InstanceConfig = z.output<typeof instanceSchema>

function unbuildable(config: Config): string | undefined {
  const ids = dnsTargets(config).map((target) => target.endpoint.id!)
  for (const effective of ['up', 'down'] as const) {
    const health = Object.fromEntries(ids.map((id) => [id, { effective }]))
    try {
      buildFrom({ config, health, priority: [], serial: 0, now: Date.now() })
    } catch (error) {
      return `cannot build the answers with every endpoint ${effective}: ${(error as Error).message}`
    }
  }
  return undefined
}

/** What nines-dns probes: every endpoint of the pools its names answer from. */
export function dnsTargets(config: Config): MonitorTarget[] {
  const used = Object.values(config.dns.zones).flatMap((zone) => Object.values(zone.names).map((n) => n.pool))
  return poolTargets(config.pools, used)
}
