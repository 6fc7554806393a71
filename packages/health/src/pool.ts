import { isIPv4, isIPv6 } from 'node:net'
import { endpointId, type Endpoint } from '@nines/core'
import { z } from 'zod'
import { checkSchema } from './check.js'

const labelValue = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'expected a label such as eu-west-1a')

/** One endpoint as configured. `priority` orders failover groups: 0 is primary, 1 standby, ... */
export const endpointSchema = z.strictObject({
  /** Stable name inside the pool (used in overrides, status and SRV targets); defaults to address:port. */
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/i, 'expected a name of letters, digits and dashes')
    .optional(),
  address: z
    .string()
    .refine((value) => isIPv4(value) || isIPv6(value), { message: 'expected an IP address' }),
  port: z.number().int().min(1).max(65_535),
  weight: z.number().int().min(0).max(1000).default(1),
  priority: z.number().int().min(0).max(9).default(0),
  /** Host name: the SRV target and the Host a probe sends. */
  host: z.string().min(1).optional(),
  labels: z
    .strictObject({
      region: labelValue.optional(),
      zone: labelValue.optional(),
      stack: labelValue.optional(),
    })
    .default({}),
})

/** A named set of endpoints that serve the same thing, and how they are checked. */
export const poolSchema = z
  .strictObject({
    check: checkSchema,
    endpoints: z.array(endpointSchema).min(1),
  })
  .superRefine((pool, ctx) => {
    const seen = new Map<string, number>()
    pool.endpoints.forEach((endpoint, index) => {
      const id = endpoint.name ?? endpointId(endpoint.address, endpoint.port)
      const first = seen.get(id)
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['endpoints', index, endpoint.name ? 'name' : 'address'],
          message: `duplicate endpoint "${id}" (also endpoints[${first}])`,
        })
      } else seen.set(id, index)
    })
  })

export type EndpointConfig = z.infer<typeof endpointSchema>
export type PoolConfig = z.infer<typeof poolSchema>

/** The vocabulary `Endpoint` for a configured one. */
export function toEndpoint(config: EndpointConfig): Endpoint {
  return {
    id: config.name ?? endpointId(config.address, config.port),
    address: config.address,
    port: config.port,
    weight: config.weight,
    ...(config.host === undefined ? {} : { host: config.host }),
    labels: config.labels,
  }
}
