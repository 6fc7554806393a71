import { ManualClock } from '@nines/core'
import { describe, expect, it } from 'vitest'
import { SlotQueue } from './slots.js'

describe('SlotQueue', () => {
  it('runs the items of each slot when it comes, earliest first, with one timer', () => {
    const clock = new ManualClock(1_000)
    const ran: string[] = []
    const queue = new SlotQueue<string>(clock, (item, at) => ran.push(`${item}@${at}`))
    queue.add(1_200, 'b')
    queue.add(1_100, 'a')
    queue.add(1_200, 'c')
    clock.advance(99)
    expect(ran).toEqual([])
    clock.advance(1)
    expect(ran).toEqual(['a@1100'])
    clock.advance(100)
    expect(ran).toEqual(['a@1100', 'b@1200', 'c@1200'])
  })

  it('takes items added while a slot runs, and runs nothing after clear()', () => {
    const clock = new ManualClock(0)
    const ran: number[] = []
    const queue: SlotQueue<number> = new SlotQueue(clock, (item, at) => {
      ran.push(at)
      if (item < 3) queue.add(at + 100, item + 1)
    })
    queue.add(100, 1)
    clock.advance(1_000)
    expect(ran).toEqual([100, 200, 300])
    queue.add(1_100, 9)
    queue.clear()
    clock.advance(1_000)
    expect(ran).toEqual([100, 200, 300])
  })
})
