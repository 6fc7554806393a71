import { describe, expect, it } from 'vitest'
import { LoopDelay } from './loop-delay.js'

const block = (ms: number) => {
  const until = Date.now() + ms
  while (Date.now() < until);
}
const tick = () => new Promise((resolve) => setTimeout(resolve, 1))

describe('LoopDelay', () => {
  it('reads how late the event loop runs, renewed every 100 ms', async () => {
    const delay = new LoopDelay()
    try {
      // A loop blocked 20 ms at a time for a while, then read past the 100 ms renewal.
      for (let i = 0; i < 8; i++) {
        block(20)
        await tick()
      }
      await new Promise((resolve) => setTimeout(resolve, 5))
      const busy = delay.ms
      expect(busy).toBeGreaterThan(2)
      expect(delay.ms).toBe(busy) // not renewed within 100 ms
      // An idle loop for a while: the next renewal says so.
      await new Promise((resolve) => setTimeout(resolve, 250))
      expect(delay.ms).toBeLessThan(busy)
    } finally {
      delay.stop()
    }
  })
})
