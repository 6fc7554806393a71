import { InvalidArgumentError, type Clock } from '@nines/core'
import { z } from 'zod'
import { HEADER_BYTES, parseIPv6, uncompressedNameEnd } from '@nines/wire'

/**
 * Per-source response rate limiting for UDP (off by default): a token bucket per client prefix. It
 * blunts reflection attacks, where spoofed queries make us flood a victim; TCP needs a handshake, so
 * it is never limited.
 */
export const rrlSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /** Sustained responses per second to one client prefix. */
  responsesPerSecond: z.number().int().min(1).max(1_000_000).default(100),
  /** Bucket size: responses allowed at once after a quiet spell; defaults to responsesPerSecond. */
  burst: z.number().int().min(1).max(10_000_000).optional(),
  /** Every Nth limited response is sent as an empty TC=1 answer so real clients retry over TCP (BIND RRL); 0 = drop all. */
  slip: z.number().int().min(0).max(10).default(2),
  ipv4Prefix: z.number().int().min(8).max(32).default(24),
  ipv6Prefix: z.number().int().min(16).max(128).default(56),
  /** Buckets kept at most; the least recently seen prefix is forgotten first. */
  maxPrefixes: z.number().int().min(16).max(10_000_000).default(100_000),
})

export type RrlOptions = z.input<typeof rrlSchema>
export type RrlConfig = z.output<typeof rrlSchema>

/** `send` the response, `drop` it, or `slip`: send `slipResponse(reply)` instead. */
export type RrlDecision = 'send' | 'drop' | 'slip'

interface Bucket {
  tokens: number
  updatedMs: number
  limited: number
}

/** The token buckets. `clock.now()` must not go backwards much; by default it is `performance.now()`. */
export class ResponseRateLimiter {
  readonly config: RrlConfig
  private readonly buckets = new Map<number | string, Bucket>()
  private readonly burst: number
  private readonly perMs: number
  private readonly v4Mask: number

  constructor(
    options: RrlOptions,
    private readonly clock: Pick<Clock, 'now'> = { now: () => performance.now() },
  ) {
    const parsed = rrlSchema.safeParse(options)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new InvalidArgumentError(`rrl.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`)
    }
    this.config = parsed.data
    this.burst = parsed.data.burst ?? parsed.data.responsesPerSecond
    this.perMs = parsed.data.responsesPerSecond / 1000
    this.v4Mask = (0xffffffff << (32 - parsed.data.ipv4Prefix)) >>> 0
  }

  /** Takes one response from the client prefix's bucket. */
  check(address: string, family: 4 | 6): RrlDecision {
    const key = family === 4 ? this.v4Key(address) : this.v6Key(address)
    const now = this.clock.now()
    let bucket = this.buckets.get(key)
    if (bucket === undefined) {
      bucket = { tokens: this.burst, updatedMs: now, limited: 0 }
      if (this.buckets.size >= this.config.maxPrefixes) this.evictOldest()
    } else {
      // Re-inserting keeps the Map in least-recently-seen order for eviction.
      this.buckets.delete(key)
      const elapsedMs = Math.max(0, now - bucket.updatedMs)
      bucket.tokens = Math.min(this.burst, bucket.tokens + elapsedMs * this.perMs)
      bucket.updatedMs = now
    }
    this.buckets.set(key, bucket)
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1
      return 'send'
    }
    bucket.limited++
    const slip = this.config.slip
    return slip > 0 && bucket.limited % slip === 0 ? 'slip' : 'drop'
  }

  /** Prefixes tracked now (bounded by `maxPrefixes`). */
  get size(): number {
    return this.buckets.size
  }

  private evictOldest(): void {
    const oldest = this.buckets.keys().next()
    if (!oldest.done) this.buckets.delete(oldest.value)
  }

  private v4Key(address: string): number | string {
    // Dotted quad to a 32-bit number without allocating; anything odd keys on the whole string.
    let value = 0
    let part = 0
    let dots = 0
    for (let i = 0; i < address.length; i++) {
      const c = address.charCodeAt(i)
      if (c === 46) {
        value = value * 256 + part
        part = 0
        dots++
      } else if (c >= 48 && c <= 57) {
        part = part * 10 + (c - 48)
      } else {
        return address
      }
    }
    if (dots !== 3) return address
    return ((value * 256 + part) & this.v4Mask) >>> 0
  }

  private v6Key(address: string): string {
    const bytes = parseIPv6(address)
    if (bytes === null) return address
    const prefix = this.config.ipv6Prefix
    const whole = prefix >> 3
    let key = bytes.toString('hex', 0, whole)
    if (prefix & 7) key += (bytes[whole]! & (0xff << (8 - (prefix & 7)))).toString(16)
    return `${key}/${prefix}`
  }
}

/**
 * Rewrites `reply` in place into the empty TC=1 answer a slip sends (header and question only, its
 * rcode kept) and returns the view to send.
 */
export function slipResponse(reply: Buffer): Buffer {
  let end = HEADER_BYTES
  if (reply.readUInt16BE(4) === 1) {
    const nameEnd = uncompressedNameEnd(reply, HEADER_BYTES)
    if (nameEnd > 0 && nameEnd + 4 <= reply.length) end = nameEnd + 4
  }
  reply[2] = reply[2]! | 0x02
  reply.writeUInt16BE(end === HEADER_BYTES ? 0 : 1, 4)
  reply.writeUInt32BE(0, 6)
  reply.writeUInt16BE(0, 10)
  return reply.subarray(0, end)
}
