import { checkZoneReferences, dnsZonesSchema, localityMapSchema, serverOptionsSchema } from '@nines/dns'
import { dampingSchema, passiveSchema, poolSchema } from '@nines/health'
import { adminSchema, logSchema } from '@nines/ops'
import { z } from 'zod'

const name = z.string().regex(/^[a-z0-9][a-z0-9-]*$/i, 'expected a name of letters, digits and dashes')

/** One nines-dns process: where it listens and keeps its state. Instances never share files. */
export const instanceSchema = z.strictObject({
  dns: serverOptionsSchema,
  admin: adminSchema,
  /** Health state file and availability ledger; relative paths are relative to the working directory. */
  stateDir: z.string().min(1),
})

/** The whole deployment in one file; each daemon picks its own entry of `instances`. */
export const configSchema = z
  .strictObject({
    instances: z
      .record(name, instanceSchema)
      .refine((i) => Object.keys(i).length > 0, 'expected at least one instance'),
    log: logSchema.prefault({}),
    pools: z.record(name, poolSchema),
    health: z
      .strictObject({
        /** Before this, nothing dynamic is answered; unknown endpoints then count as down. */
        firstRoundCapMs: z.number().int().min(0).max(120_000).default(10_000),
        damping: dampingSchema.prefault({}),
        passive: passiveSchema.prefault({}),
        /** Saved verdicts younger than this are served at start-up instead of waiting for probes. */
        maxSavedStateAgeMs: z.number().int().min(0).default(300_000),
      })
      .prefault({}),
    dns: z.strictObject({
      zones: dnsZonesSchema,
      localities: localityMapSchema.default([]),
    }),
  })
  .superRefine((config, ctx) => {
    for (const issue of checkZoneReferences(config.dns.zones, new Set(Object.keys(config.pools)))) {
      ctx.addIssue({ code: 'custom', path: ['dns', 'zones', ...issue.path], message: issue.message })
    }
    const seen = new Map<string, string>()
    for (const [instance, entry] of Object.entries(config.instances)) {
      const claims: [string, (string | number)[]][] = [
        [`stateDir ${entry.stateDir}`, ['stateDir']],
        [`admin ${entry.admin.address}:${entry.admin.port}`, ['admin', 'port']],
        ...entry.dns.listen.map((listen, i): [string, (string | number)[]] => [
          `listen ${listen}`,
          ['dns', 'listen', i],
        ]),
      ]
      for (const [claim, path] of claims) {
        const owner = seen.get(claim)
        if (owner) {
          ctx.addIssue({
            code: 'custom',
            path: ['instances', instance, ...path],
            message: `${claim} is also used by instance "${owner}"; instances never share addresses or files`,
          })
        } else seen.set(claim, instance)
      }
    }
  })

export type Config = z.output<typeof configSchema>
export type InstanceConfig = z.output<typeof instanceSchema>
