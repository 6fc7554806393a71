import { z } from 'zod'

/** A status set such as `200-399` or `200,204,300-302`. */
const statusSet = z
  .string()
  .regex(
    /^\s*\d{3}(\s*-\s*\d{3})?(\s*,\s*\d{3}(\s*-\s*\d{3})?)*\s*$/,
    'expected a status set such as 200-399 or 200,204',
  )

const timing = {
  /** Time between probes while the state is settled. */
  intervalMs: z.number().int().min(100).max(3_600_000).default(2000),
  /** A probe that has not answered by then fails with `timeout`. */
  timeoutMs: z.number().int().min(10).max(60_000).default(1000),
  /** Consecutive successes to become up. */
  rise: z.number().int().min(1).max(100).default(2),
  /** Consecutive failures to become down. */
  fall: z.number().int().min(1).max(100).default(3),
  /** Interval while a change is pending (HAProxy fastinter); defaults to half the interval. */
  fastIntervalMs: z.number().int().min(100).max(3_600_000).optional(),
  /** Interval while down (HAProxy downinter); defaults to the interval. */
  downIntervalMs: z.number().int().min(100).max(3_600_000).optional(),
  /** Each wait is stretched or shrunk by up to this share, so probes of many endpoints never align. */
  jitter: z.number().min(0).max(0.5).default(0.1),
  /** In-check retries (p-retry) before a probe counts as failed; off by default. */
  retries: z.number().int().min(0).max(5).default(0),
}

export const httpCheckSchema = z.strictObject({
  kind: z.literal('http'),
  ...timing,
  method: z.enum(['GET', 'HEAD', 'POST', 'OPTIONS']).default('GET'),
  path: z.string().startsWith('/').default('/'),
  /** Host header; defaults to the endpoint's host name, else its address. */
  host: z.string().min(1).optional(),
  headers: z.record(z.string(), z.string()).default({}),
  expectStatus: statusSet.default('200-399'),
  /** The body must contain this text (within `maxBodyBytes`). */
  bodyContains: z.string().min(1).optional(),
  /** The body must match this regular expression (within `maxBodyBytes`). */
  bodyRegex: z.string().min(1).optional(),
  maxBodyBytes: z.number().int().min(1).max(1_048_576).default(65_536),
  tls: z.boolean().default(false),
  /** Verify the server certificate (HTTPS only). */
  verifyTls: z.boolean().default(true),
  /** Redirects are failures unless this is set; then up to 5 are followed. */
  followRedirects: z.boolean().default(false),
  /**
   * Keep one connection per endpoint open between probes (Envoy's default): a probe then costs a request,
   * not a TCP (and TLS) handshake. `false` opens and closes a connection per probe (HAProxy's way).
   */
  reuseConnection: z.boolean().default(true),
})

export const tcpCheckSchema = z.strictObject({
  kind: z.literal('tcp'),
  ...timing,
  /** Text to send once connected. */
  send: z.string().min(1).optional(),
  /** The reply must start with this text. */
  expect: z.string().min(1).optional(),
})

export const dnsCheckSchema = z.strictObject({
  kind: z.literal('dns'),
  ...timing,
  /** The name to query at the endpoint. */
  name: z.string().min(1),
  type: z.enum(['A', 'AAAA', 'CNAME', 'MX', 'NS', 'SOA', 'SRV', 'TXT']).default('A'),
  expectRcode: z.enum(['NOERROR', 'NXDOMAIN', 'SERVFAIL', 'REFUSED']).default('NOERROR'),
  /** An answer record's data must equal this (an address, a name, ...). */
  expectAnswer: z.string().min(1).optional(),
})

/** Timing only: the probe is a function given to the monitor beside it (not for configuration files). */
export const customCheckSchema = z.strictObject({ kind: z.literal('custom'), ...timing })

/** How an endpoint is probed: the schema daemons embed in their configuration. */
export const checkSchema = z.discriminatedUnion('kind', [httpCheckSchema, tcpCheckSchema, dnsCheckSchema])

/** What a monitor accepts: a configured check, or the timing of a custom probe function. */
export const monitorCheckSchema = z.discriminatedUnion('kind', [
  httpCheckSchema,
  tcpCheckSchema,
  dnsCheckSchema,
  customCheckSchema,
])

export type HttpCheck = z.infer<typeof httpCheckSchema>
export type TcpCheck = z.infer<typeof tcpCheckSchema>
export type DnsCheck = z.infer<typeof dnsCheckSchema>
export type CustomCheck = z.infer<typeof customCheckSchema>
export type Check = z.infer<typeof checkSchema>
export type MonitorCheck = z.infer<typeof monitorCheckSchema>
/** What a caller writes: every field with a default may be left out. */
export type CheckInput = z.input<typeof monitorCheckSchema>

/** The scheduling part of a check with every default applied. */
export interface CheckTiming {
  readonly intervalMs: number
  readonly timeoutMs: number
  readonly rise: number
  readonly fall: number
  readonly fastIntervalMs: number
  readonly downIntervalMs: number
  readonly jitter: number
  readonly retries: number
}

export function checkTiming(check: MonitorCheck): CheckTiming {
  return {
    intervalMs: check.intervalMs,
    timeoutMs: check.timeoutMs,
    rise: check.rise,
    fall: check.fall,
    fastIntervalMs: check.fastIntervalMs ?? Math.max(100, Math.round(check.intervalMs / 2)),
    downIntervalMs: check.downIntervalMs ?? check.intervalMs,
    jitter: check.jitter,
    retries: check.retries,
  }
}
