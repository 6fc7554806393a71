import { z } from 'zod'
import { maxUdpPayloadSchema } from '@nines/wire'
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
export const serverOptionsSchema = z.strictObject({
  /** UDP and TCP on each address, same port: `127.0.0.1:5300`, `[::1]:5300`. */
  listen: z.array(listenAddressSchema).min(1, { error: 'expected at least one listen address' }),
  maxUdpPayload: maxUdpPayloadSchema,
  tcp: tcpOptionsSchema.prefault({}),
  rrl: rrlSchema.prefault({}),
  /** NSID and CHAOS identity answers (off by default); pass to createQueryHandler({ identity }). */
  identity: identitySchema.prefault({}),
})

export type ServerOptionsInput = z.input<typeof serverOptionsSchema>
export type ServerOptions = z.output<typeof serverOptionsSchema>
