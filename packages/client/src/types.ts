/** One question: a name (any case, with or without the trailing dot) and a numeric RR type. */
export interface Question {
  readonly name: string
  readonly type: number
}

/** One record in presentation form (`192.0.2.1`, `10 mail.example`), names without the trailing dot. */
export interface ReplyRecord {
  readonly name: string
  readonly type: number
  readonly ttl: number
  readonly data: string
}

/** What a transport hands back: the parts of a DNS response the resolver needs, whatever the encoding. */
export interface Reply {
  readonly rcode: number
  readonly answers: readonly ReplyRecord[]
  readonly authority: readonly ReplyRecord[]
}

/**
 * Asks one nameserver one question. Rejects on any failure (network, timeout, malformed or mismatched
 * reply); must stop and reject promptly when `signal` aborts.
 */
export type Transport = (nameserver: string, question: Question, signal: AbortSignal) => Promise<Reply>

/** The answer `resolve` gives. `records` is the answer section (CNAMEs included) with remaining TTLs. */
export interface Resolution {
  /** As asked, lower-cased, without the trailing dot. */
  readonly name: string
  /** `A`, `AAAA`, ... or `TYPE65` for types without a mnemonic here. */
  readonly type: string
  readonly records: readonly ReplyRecord[]
  /** 0 (NOERROR, records or NODATA) or 3 (NXDOMAIN). */
  readonly rcode: number
  /** Seconds this answer may still be used (30 for a stale one, RFC 8767 §4). */
  readonly ttl: number
  /** Served from an expired cache entry because no nameserver answered (RFC 8767). */
  readonly stale: boolean
  /** From the cache (fresh or stale), not from a question sent for this call. */
  readonly cached: boolean
  /** Who answered it (the one that answered it first, for a cached answer). */
  readonly nameserver: string
}

export interface NameserverStats {
  readonly nameserver: string
  /** Questions sent to it. */
  readonly sent: number
  readonly answered: number
  /** Misses: errors, timeouts, error rcodes, and asks overtaken by a later-asked nameserver. */
  readonly failed: number
  /** Epoch ms until which it is asked only after every other one failed; null when not skipped. */
  readonly skippedUntil: number | null
}
