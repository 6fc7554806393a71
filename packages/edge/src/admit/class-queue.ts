/** What the queue needs to know of a waiter: when it must leave, admitted or not. */
export interface Expiring {
  readonly expiresAt: number
}

/**
 * The FIFO waiting room of one request class, with the one fact CoDel needs: when it was last empty.
 *
 * Controlled delay in the server form of Facebook's "Fail at Scale" (Maurer, ACM Queue 2015): if the queue
 * has not been empty at any time in the last `intervalMs`, it is a standing queue and a request may wait
 * only `targetMs`; otherwise up to `intervalMs`. A burst is absorbed; a queue that never drains sheds fast,
 * so the ones admitted are served while their clients still wait. Per class, so that a standing sheddable
 * queue does not shorten the waits of critical requests.
 */
export class ClassQueue<W extends Expiring> {
  readonly #items: W[] = []
  /** The last moment the queue was empty; it is still empty now when there are no items. */
  #lastEmptyAt = -Infinity

  get length(): number {
    return this.#items.length
  }

  /**
   * The latest time a request arriving `now` may leave this queue. The queue stays non-empty from
   * `lastEmptyAt` until the request leaves, so it turns standing at `lastEmptyAt + intervalMs` at the
   * earliest, and from then on `targetMs` (counted from its arrival) applies: fixed at arrival, no rescans.
   */
  leaveBy(now: number, targetMs: number, intervalMs: number): number {
    const lastEmptyAt = this.#items.length === 0 ? now : this.#lastEmptyAt
    return Math.min(now + intervalMs, Math.max(now + targetMs, lastEmptyAt + intervalMs))
  }

  push(item: W, now: number): void {
    if (this.#items.length === 0) this.#lastEmptyAt = now
    this.#items.push(item)
  }

  /** The oldest waiter: the next to be admitted. */
  shift(): W | undefined {
    return this.#items.shift()
  }

  /** The newest waiter: the one evicted for a more critical arrival (it has waited least). */
  pop(): W | undefined {
    return this.#items.pop()
  }

  /** Removes and returns the waiters whose time is up at `now`. */
  takeExpired(now: number): W[] {
    const expired: W[] = []
    let kept = 0
    for (const item of this.#items) {
      if (item.expiresAt <= now) expired.push(item)
      else this.#items[kept++] = item
    }
    this.#items.length = kept
    return expired
  }

  /** Removes and returns every waiter (oldest first). */
  takeAll(): W[] {
    return this.#items.splice(0)
  }

  /** When the next waiter must leave; Infinity when none waits. */
  earliestExpiry(): number {
    let earliest = Infinity
    for (const item of this.#items) earliest = Math.min(earliest, item.expiresAt)
    return earliest
  }
}
