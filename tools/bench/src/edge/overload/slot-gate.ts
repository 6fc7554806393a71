// The slots of one slot-upstream endpoint: at most `slots` requests in service, the rest wait in FIFO
// order (as in a thread-pool server), so latency grows with the queue under overload.
//
// Each slot keeps the time its current request is *scheduled* to end. A request taken from the queue
// starts at that scheduled end, not at the moment the timer actually fired, so timer lateness (about a
// millisecond per turn in Node) does not add up and a busy slot serves exactly 1000 / serviceMs per s.
// Only up to `catchUpMs` of lateness is made up: a longer stall of the event loop costs capacity.
export const catchUpMs = 2

export interface Slot {
  /** scheduled end of the request it holds (performance.now() milliseconds) */
  end: number
}

export class SlotGate<T> {
  readonly #slots: Slot[]
  readonly #size: number
  readonly #queue: T[] = []
  #head = 0
  #maxQueued = 0

  constructor(slots: number) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`slots must be ≥ 1, got ${slots}`)
    this.#size = slots
    this.#slots = Array.from({ length: slots }, () => ({ end: Number.NEGATIVE_INFINITY }))
  }

  /** A free slot for `item` (its service starts now), or undefined when it was queued. */
  enter(item: T, now: number, serviceMs: number): Slot | undefined {
    const slot = this.#slots.pop()
    if (slot) {
      slot.end = now + serviceMs
      return slot
    }
    this.#queue.push(item)
    this.#maxQueued = Math.max(this.#maxQueued, this.queued)
    return undefined
  }

  /**
   * `slot`'s request is done: the next queued item that is still `wanted` gets the slot (its service
   * is scheduled back to back with the previous one), or the slot goes free. Items no longer wanted
   * (their client left while they waited) are passed to `dropped` and cost no slot time.
   */
  leave(
    slot: Slot,
    now: number,
    serviceMs: number,
    wanted: (item: T) => boolean,
    dropped: (item: T) => void,
  ): T | undefined {
    while (this.#head < this.#queue.length) {
      const item = this.#queue[this.#head]!
      this.#queue[this.#head++] = undefined as T // let it be collected
      this.#compact()
      if (!wanted(item)) {
        dropped(item)
        continue
      }
      slot.end = Math.max(slot.end, now - catchUpMs) + serviceMs
      return item
    }
    this.#slots.push(slot)
    return undefined
  }

  get queued(): number {
    return this.#queue.length - this.#head
  }

  /** the longest the queue has been since the start or the last `resetMaxQueued()` */
  get maxQueued(): number {
    return this.#maxQueued
  }

  resetMaxQueued(): void {
    this.#maxQueued = this.queued
  }

  /** slots holding a request now */
  get busy(): number {
    return this.#size - this.#slots.length
  }

  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head)
      this.#head = 0
    }
  }
}
