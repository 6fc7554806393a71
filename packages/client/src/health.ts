import type { NameserverStats } from './types.js'

export interface HealthOptions {
  readonly skipAfterFailures: number
  readonly skipForMs: number
  readonly maxSkipForMs: number
}

/**
 * One nameserver's record: after `skipAfterFailures` misses in a row it is skipped (asked only after every
 * other one failed) for `skipForMs`, doubling while it keeps missing, up to `maxSkipForMs`. When the skip
 * ends it is asked in its place again: that ask is its probe, and one answer clears everything.
 */
export class NameserverHealth {
  sent = 0
  answered = 0
  failed = 0
  private missesInRow = 0
  private skipFor: number
  private skippedUntil = 0

  constructor(
    readonly nameserver: string,
    private readonly options: HealthOptions,
  ) {
    this.skipFor = options.skipForMs
  }

  skipped(now: number): boolean {
    return now < this.skippedUntil
  }

  until(): number {
    return this.skippedUntil
  }

  success(): void {
    this.answered++
    this.missesInRow = 0
    this.skipFor = this.options.skipForMs
    this.skippedUntil = 0
  }

  miss(now: number): void {
    this.failed++
    this.missesInRow++
    if (this.missesInRow < this.options.skipAfterFailures || this.skipped(now)) return
    this.skippedUntil = now + this.skipFor
    this.skipFor = Math.min(this.skipFor * 2, this.options.maxSkipForMs)
  }

  stats(now: number): NameserverStats {
    return {
      nameserver: this.nameserver,
      sent: this.sent,
      answered: this.answered,
      failed: this.failed,
      skippedUntil: this.skipped(now) ? this.skippedUntil : null,
    }
  }
}
