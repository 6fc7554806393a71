import { z } from 'zod'
import { isHostName } from './names.js'

const filePath = z.string().min(1, { error: 'expected a file path' })

/**
 * A name a certificate serves by SNI: exact (`app.nines.test`) or a `*.` wildcard (any name below it,
 * at any depth). Lowercased; a trailing dot is dropped. `*` alone is refused: the default certificate
 * is the one without serverNames.
 */
export const serverNameSchema = z
  .string()
  // `*.` stays as written (refused): dropping its dot would turn it into `*`.
  .transform((name) => (name === '*.' ? name : name.toLowerCase().replace(/\.$/, '')))
  .superRefine((name, ctx) => {
    if (name === '*') {
      ctx.addIssue({
        code: 'custom',
        input: name,
        message: 'expected a name or a *. wildcard; a certificate without serverNames is the default',
      })
    } else if (!isHostName(name.startsWith('*.') ? name.slice(2) : name)) {
      ctx.addIssue({
        code: 'custom',
        input: name,
        message: `expected a host name such as app.nines.test or a wildcard such as *.nines.test, got ${JSON.stringify(name)}`,
      })
    }
  })

/** One certificate and its key (PEM files, read at start and on change). */
export const tlsCertificateSchema = z.strictObject({
  certFile: filePath,
  keyFile: filePath,
  /** SNI names it serves (exact or `*.` wildcard); without any it is the default certificate. */
  serverNames: z.array(serverNameSchema).default([]),
})

/**
 * A listener's certificates. At most one has no `serverNames`: it answers clients whose SNI matches no
 * other (or who send none); without it, the first certificate does. A name belongs to one certificate.
 */
export const tlsCertificatesSchema = z
  .array(tlsCertificateSchema)
  .min(1, { error: 'expected at least one certificate' })
  .superRefine((certificates, ctx) => {
    let fallback: number | undefined
    const names = new Map<string, string>()
    certificates.forEach((certificate, i) => {
      if (certificate.serverNames.length === 0) {
        if (fallback !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'serverNames'],
            input: certificate.serverNames,
            message: `expected serverNames: certificates[${fallback}] is already the default certificate`,
          })
        }
        fallback ??= i
      }
      certificate.serverNames.forEach((name, j) => {
        const first = names.get(name)
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [i, 'serverNames', j],
            input: name,
            message: `${name} is also served by ${first}`,
          })
        } else names.set(name, `certificates[${i}].serverNames[${j}]`)
      })
    })
  })

export type TlsCertificate = z.output<typeof tlsCertificateSchema>
export type TlsCertificateInput = z.input<typeof tlsCertificateSchema>

/** What a CertificateStore reads: the `certificates` of a `tls` block (the edge's or the DNS server's). */
export interface TlsCertificatesOptions {
  readonly certificates: readonly TlsCertificate[]
}
