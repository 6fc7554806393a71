import {
  checkAnswerSizes,
  checkZoneReferences,
  dnsZonesSchema,
  localityMapSchema,
  serverOptionsSchema,
} from '@nines/dns'
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
    // The build start-up and every reload run, for the health states that make answers largest, so a
    // file that passes `check` builds every answer it will ever need (it skips when references fail).
    for (const issue of checkAnswerSizes(config.dns.zones, config.pools, config.dns.localities)) {
      ctx.addIssue({ code: 'custom', path: ['dns', 'zones', ...issue.path], message: issue.message })
    }
    checkInstanceClaims(config.instances, ctx, (entry) =>
      entry.dns.listen.map((listen, i) => [`listen ${listen}`, ['dns', 'listen', i]] as const),
    )
  })

export type Config = z.output<typeof configSchema>
export type InstanceConfig = z.output<typeof instanceSchema>

/** What nines-dns probes: every endpoint of the pools its names answer from. */
export function dnsTargets(config: Config): MonitorTarget[] {
  const used = Object.values(config.dns.zones).flatMap((zone) => Object.values(zone.names).map((n) => n.pool))
  return poolTargets(config.pools, used)
}
