import { baseInstanceShape, checkInstanceClaims, healthOptionsSchema, nameSchema } from '@nines/daemon'
import {
  checkAnswerSizes,
  checkZoneReferences,
  dnsListenClaims,
  dnsZonesSchema,
  localityMapSchema,
  serverOptionsSchema,
} from '@nines/dns'
import { checkRouteReferences, edgeInstanceSchema, edgeListenClaims, routesSchema } from '@nines/edge'
import { logSchema } from '@nines/ops'
import { z } from 'zod'
import { deploymentPoolSchema } from './pool.js'

/** The daemons an instance can run as: the key of its entry each one serves from. */
export const roles = ['dns', 'edge'] as const
export type Role = (typeof roles)[number]

/**
 * One daemon process: where it listens and keeps its state (never shared), and what it serves. An
 * instance with both keys runs both daemons on one host, each with `--instance` of the same name.
 */
export const instanceSchema = z
  .strictObject({
    ...baseInstanceShape,
    dns: serverOptionsSchema.optional(),
    edge: edgeInstanceSchema.optional(),
  })
  .superRefine((instance, ctx) => {
    if (instance.dns === undefined && instance.edge === undefined) {
      ctx.addIssue({
        code: 'custom',
        input: instance,
        message: 'expected a dns or an edge entry (or both): what this instance serves',
      })
    }
  })

const dnsSectionSchema = z.strictObject({
  zones: dnsZonesSchema,
  localities: localityMapSchema.default([]),
})

const edgeSectionSchema = z.strictObject({ routes: routesSchema })

/** The whole deployment in one file; each daemon process takes its own entry of `instances`. */
export const deploymentSchema = z
  .strictObject({
    instances: z
      .record(nameSchema, instanceSchema)
      .refine((i) => Object.keys(i).length > 0, 'expected at least one instance'),
    log: logSchema.prefault({}),
    pools: z.record(nameSchema, deploymentPoolSchema),
    health: healthOptionsSchema,
    /** DNS zones and localities; required once an instance has `dns`. */
    dns: dnsSectionSchema.optional(),
    /** Edge routes; required once an instance has `edge`. */
    edge: edgeSectionSchema.optional(),
  })
  .superRefine((config, ctx) => {
    for (const role of roles) {
      const users = Object.keys(config.instances).filter(
        (name) => config.instances[name]?.[role] !== undefined,
      )
      if (config[role] === undefined && users.length > 0) {
        const what =
          role === 'dns' ? '{ zones }: the DNS zones it serves' : '{ routes }: the routes it serves'
        ctx.addIssue({
          code: 'custom',
          path: [role],
          input: undefined,
          message: `expected a top-level ${role} section ${what} (instance ${users.map((n) => `"${n}"`).join(', ')} has ${role})`,
        })
      }
    }
    const pools = new Set(Object.keys(config.pools))
    if (config.dns !== undefined) {
      for (const issue of checkZoneReferences(config.dns.zones, pools)) {
        ctx.addIssue({ code: 'custom', path: ['dns', 'zones', ...issue.path], message: issue.message })
      }
      // Start-up and every reload build these answers for the health states that make them largest, so
      // a file that passes `check` builds every answer it will ever need (skipped when references fail).
      for (const issue of checkAnswerSizes(config.dns.zones, config.pools, config.dns.localities)) {
        ctx.addIssue({ code: 'custom', path: ['dns', 'zones', ...issue.path], message: issue.message })
      }
    }
    if (config.edge !== undefined) {
      for (const issue of checkRouteReferences(config.edge.routes, pools)) {
        ctx.addIssue({ code: 'custom', path: ['edge', 'routes', ...issue.path], message: issue.message })
      }
    }
    // nines-dns and nines-edge claim `listen ip:port` alike: on one host they cannot share a TCP address.
    checkInstanceClaims(
      config.instances,
      ctx,
      (entry) =>
        [
          ...(entry.dns ? dnsListenClaims(entry.dns) : []),
          ...(entry.edge ? edgeListenClaims(entry.edge) : []),
        ].filter(([claim]) => !claim.endsWith(':0')), // port 0: the system picks a free one each time
    )
  })

export type Deployment = z.output<typeof deploymentSchema>
export type DeploymentInput = z.input<typeof deploymentSchema>
export type DeploymentInstance = z.output<typeof instanceSchema>
export type DeploymentPool = Deployment['pools'][string]
