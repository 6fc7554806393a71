import type { Clock, Timer } from '@nines/core'

/**
 * Items due at slot times, woken by one timer for the earliest slot. Probe start times fall on a grid, so
 * a thousand endpoints at 1 s share ten wake-ups a second and need no timer (nor closure) each, which
 * would otherwise live a whole interval and be promoted to the old generation. Cancelling is the caller's:
 * `run` gets the slot time and skips an item no longer due then.
 */
export class SlotQueue<T> {
  readonly #slots = new Map<number, T[]>()
  #timer: Timer | undefined
  #timerAt = Number.POSITIVE_INFINITY

  constructor(
    private readonly clock: Clock,
    private readonly run: (item: T, at: number) => void,
  ) {}

  add(at: number, item: T): void {
    const slot = this.#slots.get(at)
    if (slot) slot.push(item)
    else this.#slots.set(at, [item])
    if (at < this.#timerAt) this.#arm(at)
  }

  clear(): void {
    this.#timer?.cancel()
    this.#timer = undefined
    this.#timerAt = Number.POSITIVE_INFINITY
    this.#slots.clear()
  }

  #arm(at: number): void {
    this.#timer?.cancel()
    this.#timerAt = at
    this.#timer = this.clock.setTimeout(() => this.#fire(), at - this.clock.now())
  }

  #fire(): void {
    this.#timer = undefined
    this.#timerAt = Number.POSITIVE_INFINITY
    const now = this.clock.now()
    for (const [at, items] of this.#slots) {
      if (at > now) continue
      this.#slots.delete(at)
      for (const item of items) this.run(item, at)
    }
    let next = Number.POSITIVE_INFINITY
    for (const at of this.#slots.keys()) if (at < next) next = at
    if (next < this.#timerAt) this.#arm(next)
  }
}
