import { z } from 'zod'
import { maxUdpPayloadSchema } from '@nines/wire'
import { dnsTlsSchema, dohSchema, dotSchema } from './doh-schema.js'
import { identitySchema } from './identity.js'
import { listenAddressSchema } from './listen-address.js'
import { rrlSchema } from './rrl.js'
import { DEFAULT_TCP_OPTIONS } from './tcp.js'

export const tcpOptionsSchema = z.strictObject({
  maxConnections: z.number().int().min(1).max(65_535).default(DEFAULT_TCP_OPTIONS.maxConnections),
  /** Open connections from one client address (RFC 7766 §10): a few sources cannot take every slot. */
  maxConnectionsPerSource: z
    .number()
    .int()
    .min(1)
    .max(65_535)
    .default(DEFAULT_TCP_OPTIONS.maxConnectionsPerSource),
  /** RFC 7766 §6.2.3 suggests seconds, not minutes; clients reconnect cheaply. */
  idleTimeoutMs: z.number().int().min(100).max(600_000).default(DEFAULT_TCP_OPTIONS.idleTimeoutMs),
  /** A message begun must be complete within this time (a trickling client is closed). */
  messageTimeoutMs: z.number().int().min(100).max(60_000).default(DEFAULT_TCP_OPTIONS.messageTimeoutMs),
})

/** The DNS server's part of an instance's configuration. */
export const serverOptionsSchema = z
  .strictObject({
    /** UDP and TCP on each address, same port: `127.0.0.1:5300`, `[::1]:5300`. */
    listen: z.array(listenAddressSchema).min(1, { error: 'expected at least one listen address' }),
    maxUdpPayload: maxUdpPayloadSchema,
    tcp: tcpOptionsSchema.prefault({}),
    rrl: rrlSchema.prefault({}),
    /** NSID and CHAOS identity answers (off by default); pass to createQueryHandler({ identity }). */
    identity: identitySchema.prefault({}),
    /** Certificates of the DoH and DoT listeners (reloaded when their files change). */
    tls: dnsTlsSchema.optional(),
    /** DNS over HTTPS (RFC 8484) and JSON; off unless present. */
    doh: dohSchema.optional(),
    /** DNS over TLS (RFC 7858); off unless present. */
    dot: dotSchema.optional(),
  })
  .superRefine((dns, ctx) => {
    if (dns.tls !== undefined) return
    if (dns.doh !== undefined && dns.doh.listen.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['doh'],
        message: 'requires dns.tls (certificates) for listen; use plainListen without TLS',
      })
    }
    if (dns.dot !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['dot'], message: 'requires dns.tls (certificates)' })
    }
  })

/**
 * What a DNS entry occupies on its host, as `checkInstanceClaims` of @nines/daemon takes it: `listen
 * <address>` with its path below the instance (UDP+TCP, DoH and DoT alike take the TCP port).
 */
export function dnsListenClaims(
  dns: Pick<ServerOptions, 'listen' | 'doh' | 'dot'>,
): (readonly [claim: string, path: readonly (string | number)[]])[] {
  const claim = (address: string, path: readonly (string | number)[]) =>
    [`listen ${address}`, ['dns', ...path]] as const
  return [
    ...dns.listen.map((address, i) => claim(address, ['listen', i])),
    ...(dns.doh?.listen ?? []).map((address, i) => claim(address, ['doh', 'listen', i])),
    ...(dns.doh?.plainListen ?? []).map((address, i) => claim(address, ['doh', 'plainListen', i])),
    ...(dns.dot?.listen ?? []).map((address, i) => claim(address, ['dot', 'listen', i])),
  ]
}

export type ServerOptionsInput = z.input<typeof serverOptionsSchema>
export type ServerOptions = z.output<typeof serverOptionsSchema>
