import type { ReplyRecord } from './types.js'

/** One cached answer, positive or negative (NXDOMAIN, NODATA). */
export interface CacheEntry {
  readonly records: readonly ReplyRecord[]
  readonly rcode: number
  readonly nameserver: string
  readonly storedAt: number
  readonly expiresAt: number
}

/**
 * A bounded map with LRU order kept by Map insertion order: a hit moves the key to the end, an insert
 * past `maxEntries` drops the first. Expired entries stay until `keepUntil` (the serve-stale window).
 */
export class AnswerCache {
  private readonly entries = new Map<string, CacheEntry>()

  constructor(
    private readonly maxEntries: number,
    private readonly staleMs: number,
  ) {}

  get size(): number {
    return this.entries.size
  }

  /** The entry if it is fresh or still inside the stale window at `now`; drops it past that. */
  get(key: string, now: number): CacheEntry | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (now >= entry.expiresAt + this.staleMs) {
      this.entries.delete(key)
      return undefined
    }
    this.entries.delete(key)
    this.entries.set(key, entry)
    return entry
  }

  set(key: string, entry: CacheEntry): void {
    this.entries.delete(key)
    if (entry.expiresAt <= entry.storedAt && this.staleMs === 0) return
    this.entries.set(key, entry)
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string
      this.entries.delete(oldest)
    }
  }

  clear(): void {
    this.entries.clear()
  }
}
