import { z } from 'zod'
import { isLoopbackAddress } from './loopback.js'

/** The characters RFC 6750 allows in a bearer token (token68); hono/bearer-auth rejects anything else. */
const token68 = /^[A-Za-z0-9._~+/-]+=*$/

/** The admin API of a daemon instance, for daemon configurations to embed. */
export const adminSchema = z
  .strictObject({
    /** Where the admin API listens; loopback by default, so only this host can reach it. */
    address: z.union([z.ipv4(), z.ipv6(), z.literal('localhost')]).default('127.0.0.1'),
    port: z.number().int().min(1).max(65535),
    /** Bearer token for every route but /healthz; required when `address` is not loopback. */
    token: z
      .string()
      .min(16)
      .regex(token68, 'expected token68 characters (A-Z a-z 0-9 . _ ~ + / - =)')
      .optional(),
  })
  .superRefine((admin, ctx) => {
    if (admin.token === undefined && !isLoopbackAddress(admin.address)) {
      ctx.addIssue({
        code: 'custom',
        path: ['token'],
        message: `required when address is not loopback (got ${admin.address})`,
      })
    }
  })

export type AdminConfig = z.output<typeof adminSchema>

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof logLevels)[number]

/** Logging of a daemon instance, for daemon configurations to embed. */
export const logSchema = z.strictObject({
  level: z.enum(logLevels).default('info'),
  /** The share of DNS queries / HTTP requests logged one line each; 0 logs none. */
  queryLogSample: z.number().min(0).max(1).default(0),
})

export type LogConfig = z.output<typeof logSchema>
