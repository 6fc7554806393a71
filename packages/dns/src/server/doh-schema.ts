import { tlsCertificatesSchema } from '@nines/tls'
import { z } from 'zod'
import { parseCidr } from '../policy/ip.js'
import { listenAddressSchema } from './listen-address.js'

const urlPath = (fallback: string) =>
  z
    .string()
    .regex(/^\/[A-Za-z0-9._~!$&'()*+,;=:@/-]*$/, {
      error: 'expected a URL path such as /dns-query (no query string)',
    })
    .default(fallback)

/** An address or CIDR: `10.0.0.0/8`, `192.0.2.7` (a /32), `fd00::/8`. */
export const proxyCidrSchema = z.string().superRefine((value, ctx) => {
  const text = value.includes('/') ? value : `${value}/${value.includes(':') ? 128 : 32}`
  const parsed = parseCidr(text)
  if (!parsed.ok) ctx.addIssue({ code: 'custom', input: value, message: parsed.message })
})

/** The TLS certificates of the DoH and DoT listeners (the edge's shape, @nines/tls). */
export const dnsTlsSchema = z.strictObject({ certificates: tlsCertificatesSchema })

/** DNS over HTTPS (RFC 8484) and its JSON form. Off unless present. */
export const dohSchema = z
  .strictObject({
    /** HTTPS (HTTP/2 and HTTP/1.1 by ALPN); needs `dns.tls`. */
    listen: z.array(listenAddressSchema).default([]),
    /** Plain HTTP/1.1, for running behind a TLS-terminating proxy. */
    plainListen: z.array(listenAddressSchema).default([]),
    path: urlPath('/dns-query'),
    jsonPath: urlPath('/resolve'),
    cors: z
      .strictObject({
        /** `['*']` or exact origins (`https://app.nines.test`); none: no CORS headers. */
        allowOrigins: z
          .array(
            z.string().regex(/^(\*|https?:\/\/[^/\s]+)$/, {
              error: 'expected * or an origin such as https://app.nines.test (scheme://host[:port])',
            }),
          )
          .default([]),
      })
      .prefault({}),
    /** Peers whose X-Forwarded-For names the client (for locality and limits). */
    trustedProxies: z.array(proxyCidrSchema).default([]),
  })
  .superRefine((doh, ctx) => {
    if (doh.listen.length === 0 && doh.plainListen.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['listen'], message: 'expected listen or plainListen addresses' })
    }
    if (doh.path === doh.jsonPath) {
      ctx.addIssue({
        code: 'custom',
        path: ['jsonPath'],
        input: doh.jsonPath,
        message: `expected a path other than path (${doh.path})`,
      })
    }
  })

/** DNS over TLS (RFC 7858) on its own listeners; needs `dns.tls`. Off unless present. */
export const dotSchema = z.strictObject({
  listen: z.array(listenAddressSchema).min(1, { error: 'expected at least one listen address' }),
})

export type DnsTlsOptions = z.output<typeof dnsTlsSchema>
export type DohOptions = z.output<typeof dohSchema>
export type DohOptionsInput = z.input<typeof dohSchema>
export type DotOptions = z.output<typeof dotSchema>
