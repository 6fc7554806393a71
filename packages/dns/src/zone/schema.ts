import { isIPv4, isIPv6 } from 'node:net'
import { z } from 'zod'
import { policySchema } from '../policy/schema.js'
import { isHostName } from './names.js'

/** A host name in presentation form; a trailing dot is allowed and dropped; always absolute. */
export const hostName = z
  .string()
  .transform((name) => name.replace(/\.$/, '').toLowerCase())
  .refine(isHostName, {
    message: 'expected a host name such as ns1.nines.test',
  })

/**
 * An owner name: `@` is the DNS zone's apex, a name ending with a dot is absolute (and must lie inside
 * the DNS zone), anything else is relative to the apex. Lowercased; see `ownerFqdn`.
 */
export const ownerNameSchema = z
  .string()
  .transform((name) => name.toLowerCase())
  .refine((name) => name === '@' || isHostName(name.replace(/\.$/, '')), {
    message: 'expected "@", a relative name such as www, or an absolute one ending with a dot',
  })

/**
 * A static record's owner: an owner name, or a wildcard (`*`, `*.apps`, `*.apps.nines.test.`) whose
 * records answer every name below its parent that does not exist otherwise (RFC 4592).
 */
export const recordOwnerSchema = z
  .string()
  .transform((name) => name.toLowerCase())
  .refine(
    (name) => name === '@' || name === '*' || isHostName(name.replace(/\.$/, '').replace(/^\*\./, '')),
    {
      message:
        'expected "@", a relative name such as www, an absolute one ending with a dot, or a wildcard such as *.apps',
    },
  )

// IPv4-mapped IPv6 addresses are refused: an AAAA record with one is almost always a mistake.
const ipv4 = z.string().refine(isIPv4, { message: 'expected an IPv4 address' })
const ipv6 = z.string().refine((value) => isIPv6(value) && !/^::ffff:/i.test(value), {
  message: 'expected an IPv6 address (not an IPv4-mapped one)',
})
const address = z.string().refine((value) => isIPv4(value) || (isIPv6(value) && !/^::ffff:/i.test(value)), {
  message: 'expected an IPv4 or IPv6 address',
})
const ttlSec = z.number().int().min(0).max(2_147_483_647)
const u16 = z.number().int().min(0).max(65_535)

const record = <T extends string, D extends z.ZodType>(type: T, data: D) =>
  z.strictObject({ name: recordOwnerSchema, type: z.literal(type), ttlSec: ttlSec.optional(), data })

/** Record data names (CNAME, NS, PTR, MX exchange, SRV target) are always absolute. */
export const staticRecordSchema = z.discriminatedUnion('type', [
  record('A', ipv4),
  record('AAAA', ipv6),
  record('CNAME', hostName),
  record('NS', hostName),
  record('PTR', hostName),
  record('MX', z.strictObject({ preference: u16, exchange: hostName })),
  /** One string, or the character-strings of one record (each split at 255 bytes when encoded). */
  record('TXT', z.union([z.string(), z.array(z.string()).min(1)])),
  record('SRV', z.strictObject({ priority: u16, weight: u16, port: u16, target: hostName })),
  record(
    'CAA',
    z.strictObject({
      flags: z.number().int().min(0).max(255).default(0),
      tag: z.string().regex(/^[a-z0-9]{1,15}$/i, 'expected 1-15 letters or digits such as issue'),
      value: z.string(),
    }),
  ),
])

/** `hostmaster@nines.test` is accepted for `hostmaster.nines.test` (a dotted local part is not). */
const mailbox = z.preprocess(
  (value) => (typeof value === 'string' && /^[^.@]+@[^@]+$/.test(value) ? value.replace('@', '.') : value),
  hostName,
)

export const soaSchema = z.strictObject({
  /** Primary name server; defaults to the first NS. */
  mname: hostName.optional(),
  /** The administrator's mailbox; defaults to `hostmaster.<origin>`. */
  rname: mailbox.optional(),
  /**
   * Kept as written when set. Otherwise zoneSerial: a hash of this DNS zone's data and of the pools it
   * answers from, equal on every instance for equal configuration and changed by any change to them.
   */
  serial: z.number().int().min(0).max(4_294_967_295).optional(),
  refreshSec: ttlSec.default(3600),
  retrySec: ttlSec.default(600),
  expireSec: ttlSec.default(604_800),
  /** The negative-caching TTL (RFC 2308): NXDOMAIN and NODATA answers live min(this, ttlSec). */
  minimumSec: ttlSec.default(60),
  /** The TTL of the SOA record itself. */
  ttlSec: ttlSec.default(3600),
})

export const nsSchema = z.strictObject({
  name: hostName,
  /** Glue, also served as the name's A/AAAA; required when the name is inside the DNS zone. */
  addresses: z.array(address).default([]),
})

// The SRV settings written as a bare list; their problems are reported at `srv[i]`, not `srv.services[i]`.
const shorthand = new WeakSet<object>()
const SERVICE = /^_[a-z0-9](?:[a-z0-9-]{0,13}[a-z0-9])?\._[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/
const serviceText = z.string().transform((value) => value.replace(/\.$/, '').toLowerCase())

/** A name answered from a pool (A, AAAA and SRV) through a selection policy. */
export const dynamicNameSchema = z
  .strictObject({
    pool: z.string().min(1),
    policy: policySchema.prefault({}),
    /** Answered when all endpoints are down and `policy.allDown` is `backup`, with the degraded TTL. */
    backup: z.array(address).default([]),
    /**
     * SRV answers from the pool: one record per chosen endpoint (priority, weight, port of the
     * endpoint; target its `host`, else `<endpoint name or index>.<name>`, whose address the table
     * serves). `services` are the RFC 2782 owners clients ask, `_http._tcp` answering at
     * `_http._tcp.<name>`; `enabled` also answers at the name itself (Consul style). `srv: [_http._tcp]`
     * is short for `{ enabled: false, services: [_http._tcp] }`.
     */
    srv: z
      .union(
        [
          z.array(serviceText).transform((list) => {
            const srv = { enabled: false, services: list }
            shorthand.add(srv)
            return srv
          }),
          z.strictObject({ enabled: z.boolean().default(true), services: z.array(serviceText).default([]) }),
        ],
        { error: 'expected a list of services such as [_http._tcp], or { enabled, services }' },
      )
      .prefault({}),
  })
  .superRefine((name, ctx) => {
    const seen = new Set<string>()
    name.srv.services.forEach((service, i) => {
      const path = shorthand.has(name.srv) ? ['srv', i] : ['srv', 'services', i]
      const message = !SERVICE.test(service)
        ? 'expected _service._proto such as _http._tcp (a service name of 1-15 letters, digits or hyphens)'
        : seen.has(service)
          ? `${service} is listed twice`
          : undefined
      seen.add(service)
      if (message !== undefined) ctx.addIssue({ code: 'custom', path, input: service, message })
    })
    if (name.policy.allDown === 'backup' && name.backup.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['backup'],
        input: name.backup,
        message: 'expected at least one address: policy.allDown is "backup"',
      })
    }
  })

export const dnsZoneSchema = z.strictObject({
  soa: soaSchema.prefault({}),
  ns: z.array(nsSchema).min(1),
  /** The TTL of static records without their own `ttlSec`, of the NS set and of glue. */
  ttlSec: ttlSec.default(3600),
  records: z.array(staticRecordSchema).default([]),
  names: z.record(ownerNameSchema, dynamicNameSchema).default({}),
})

/** DNS zones by origin (`nines.test`). Cross-references are checked by `checkZoneReferences`. */
export const dnsZonesSchema = z
  .record(hostName, dnsZoneSchema)
  .refine((zones) => Object.keys(zones).length > 0, { message: 'expected at least one DNS zone' })

export type StaticRecord = z.output<typeof staticRecordSchema>
export type StaticRecordType = StaticRecord['type']
export type Soa = z.output<typeof soaSchema>
export type NsEntry = z.output<typeof nsSchema>
export type DynamicName = z.output<typeof dynamicNameSchema>
export type DnsZone = z.output<typeof dnsZoneSchema>
/** Parsed DNS zones, every default applied. */
export type DnsZones = z.output<typeof dnsZonesSchema>
/** What a configuration writes. */
export type DnsZonesInput = z.input<typeof dnsZonesSchema>
export { address as addressSchema, hostName as hostNameSchema, ttlSec as ttlSecSchema }
