import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'

/**
 * How late this process's event loop runs now: the mean delay of a 1 ms timer over the last tenth of a
 * second or so. Every upstream latency the router measures includes this wait (the response sits in the
 * socket until the loop gets to it), so admission must not read it as the pool's congestion: a router
 * that is itself busy would otherwise shrink every pool's limit and shed requests a fast pool could take.
 * One per process, shared by every pool; `stop()` when the router closes.
 */
export class LoopDelay {
  readonly #histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 1 })
  #readAt = Date.now()
  #ms = 0

  constructor() {
    this.#histogram.enable()
  }

  /** The mean delay in ms, over the samples since it was last renewed (at most every 100 ms). */
  get ms(): number {
    const now = Date.now()
    if (now - this.#readAt >= 100) {
      const h = this.#histogram
      // The histogram's own resolution timer counts as delay; what is over the 1 ms it waits is lateness.
      this.#ms = h.count > 0 ? Math.max(0, h.mean / 1e6 - 1) : 0
      h.reset()
      this.#readAt = now
    }
    return this.#ms
  }

  stop(): void {
    this.#histogram.disable()
  }
}
