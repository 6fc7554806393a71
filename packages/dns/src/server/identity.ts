import { z } from 'zod'
import { HEADER_BYTES, RRClass, RRType, Rcode, nameKeyOf, nsidOption, type Answer } from '@nines/wire'

const text = z
  .string()
  .min(1)
  .refine((value) => Buffer.byteLength(value, 'utf8') <= 255, { message: 'expected at most 255 bytes' })

/**
 * How an instance tells who it is, so operators can tell ns1 from ns2 behind one address (all off by
 * default): NSID (RFC 5001) to queries that ask for it, CHAOS TXT `id.server` and `hostname.bind`
 * (RFC 4892), and `version.bind` / `version.server` only when `version` is set.
 */
export const identitySchema = z
  .strictObject({
    /** What this instance answers as: `ns1`, `ns1.fra.example.net`. */
    id: text.optional(),
    /** Send `id` as the NSID option to queries whose OPT asks for it. */
    nsid: z.boolean().default(false),
    /** Answer `id.server` and `hostname.bind` (class CHAOS, type TXT) with `id`. */
    chaos: z.boolean().default(false),
    /** Answer `version.bind` and `version.server` (CHAOS TXT) with this; never answered when absent. */
    version: text.optional(),
  })
  .superRefine((identity, ctx) => {
    for (const key of ['nsid', 'chaos'] as const) {
      if (identity[key] && identity.id === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['id'],
          input: identity.id,
          message: `expected the instance's id (such as ns1): ${key} is on`,
        })
        return
      }
    }
  })

export type IdentityOptions = z.output<typeof identitySchema>
export type IdentityOptionsInput = z.input<typeof identitySchema>

/** What the query path needs: the NSID option bytes, and the CHAOS TXT answers by name key. */
export interface Identity {
  readonly nsid: Buffer | undefined
  readonly chaos: ReadonlyMap<string, Answer> | undefined
}

/**
 * Precomputes an identity's answers. CHAOS answers are as NSD and Knot give them: NOERROR, AA clear,
 * one TXT record of class CH, TTL 0, owned by the question (the pointer to offset 12).
 */
export function compileIdentity(identity: IdentityOptions): Identity {
  const chaos = new Map<string, Answer>()
  if (identity.chaos && identity.id !== undefined) {
    const answer = chaosTxt(identity.id)
    chaos.set(nameKeyOf('id.server'), answer)
    chaos.set(nameKeyOf('hostname.bind'), answer)
  }
  if (identity.version !== undefined) {
    const answer = chaosTxt(identity.version)
    chaos.set(nameKeyOf('version.bind'), answer)
    chaos.set(nameKeyOf('version.server'), answer)
  }
  return {
    nsid: identity.nsid && identity.id !== undefined ? nsidOption(identity.id) : undefined,
    chaos: chaos.size > 0 ? chaos : undefined,
  }
}

function chaosTxt(value: string): Answer {
  const data = Buffer.from(value, 'utf8')
  const bytes = Buffer.alloc(2 + 2 + 2 + 4 + 2 + 1 + data.length)
  bytes.writeUInt16BE(0xc000 | HEADER_BYTES, 0)
  bytes.writeUInt16BE(RRType.TXT, 2)
  bytes.writeUInt16BE(RRClass.CH, 4)
  bytes.writeUInt32BE(0, 6)
  bytes.writeUInt16BE(1 + data.length, 10)
  bytes[12] = data.length
  data.copy(bytes, 13)
  return Object.freeze({
    rcode: Rcode.NOERROR,
    aa: false,
    body: Object.freeze({ bytes, ancount: 1, nscount: 0, arcount: 0, bodyOffset: null }),
  })
}
