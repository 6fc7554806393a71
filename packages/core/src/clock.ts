/** A cancellable scheduled callback. */
export interface Timer {
  cancel(): void
}

/** Time, injected so that state machines, schedulers and ledgers can be tested without waiting. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number
  setTimeout(callback: () => void, delayMs: number): Timer
}

/** Wall-clock time and Node timers. `unref` timers do not keep the process alive. */
export function systemClock(options: { unref?: boolean } = {}): Clock {
  return {
    now: () => Date.now(),
    setTimeout(callback, delayMs) {
      const handle = setTimeout(callback, Math.max(0, delayMs))
      if (options.unref) handle.unref()
      return { cancel: () => clearTimeout(handle) }
    },
  }
}

interface Pending {
  readonly at: number
  readonly seq: number
  readonly callback: () => void
  cancelled: boolean
}

/** A clock for tests: time moves only when `advance` is called, and due timers fire in order. */
export class ManualClock implements Clock {
  #now: number
  #seq = 0
  #pending: Pending[] = []

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.#now = startMs
  }

  now(): number {
    return this.#now
  }

  setTimeout(callback: () => void, delayMs: number): Timer {
    const entry: Pending = {
      at: this.#now + Math.max(0, delayMs),
      seq: this.#seq++,
      callback,
      cancelled: false,
    }
    this.#pending.push(entry)
    return {
      cancel: () => {
        entry.cancelled = true
      },
    }
  }

  /** Number of timers still waiting to fire. */
  get pendingTimers(): number {
    return this.#pending.filter((p) => !p.cancelled).length
  }

  /** Moves time forward, firing every timer due on the way (including ones scheduled meanwhile). */
  advance(ms: number): void {
    const target = this.#now + ms
    for (;;) {
      this.#pending = this.#pending.filter((p) => !p.cancelled)
      const next = this.#pending.reduce<Pending | undefined>(
        (best, p) =>
          p.at <= target && (!best || p.at < best.at || (p.at === best.at && p.seq < best.seq)) ? p : best,
        undefined,
      )
      if (!next) break
      this.#pending.splice(this.#pending.indexOf(next), 1)
      this.#now = Math.max(this.#now, next.at)
      next.callback()
    }
    this.#now = target
  }
}
