import { describe, expect, it } from 'vitest'
import { SlotGate, catchUpMs } from './slot-gate.js'

describe('SlotGate', () => {
  it('gives out its slots, then queues in FIFO order', () => {
    const gate = new SlotGate<string>(2)
    const a = gate.enter('a', 0, 20)
    const b = gate.enter('b', 0, 20)
    expect(a?.end).toBe(20)
    expect(b).toBeDefined()
    expect(gate.enter('c', 1, 20)).toBeUndefined()
    expect(gate.enter('d', 2, 20)).toBeUndefined()
    expect(gate.queued).toBe(2)
    expect(gate.busy).toBe(2)
    const keep = () => true
    const none = () => {}
    expect(gate.leave(a!, 20.5, 20, keep, none)).toBe('c')
    expect(gate.leave(b!, 21, 20, keep, none)).toBe('d')
    expect(gate.queued).toBe(0)
    expect(gate.maxQueued).toBe(2)
    expect(gate.leave(a!, 40, 20, keep, none)).toBeUndefined()
    expect(gate.busy).toBe(1)
  })

  it('schedules a queued request back to back, so small timer lateness does not cost capacity', () => {
    const gate = new SlotGate<number>(1)
    const slot = gate.enter(1, 0, 20)!
    gate.enter(2, 5, 20)
    gate.leave(
      slot,
      21.2,
      20,
      () => true,
      () => {},
    ) // the timer fired 1.2 ms late
    expect(slot.end).toBe(40)
    gate.enter(3, 30, 20)
    gate.leave(
      slot,
      90,
      20,
      () => true,
      () => {},
    ) // a 50 ms stall: only catchUpMs is made up
    expect(slot.end).toBe(90 - catchUpMs + 20)
  })

  it('skips queued requests whose client has gone, without using the slot', () => {
    const gate = new SlotGate<string>(1)
    const slot = gate.enter('a', 0, 20)!
    for (const item of ['gone1', 'gone2', 'b']) gate.enter(item, 1, 20)
    const dropped: string[] = []
    expect(
      gate.leave(
        slot,
        20,
        20,
        (item) => !item.startsWith('gone'),
        (item) => dropped.push(item),
      ),
    ).toBe('b')
    expect(dropped).toEqual(['gone1', 'gone2'])
  })

  it('keeps FIFO order across its internal compaction', () => {
    const gate = new SlotGate<number>(1)
    const slot = gate.enter(-1, 0, 1)!
    for (let i = 0; i < 5000; i++) gate.enter(i, 0, 1)
    const order: number[] = []
    for (let i = 0; i < 5000; i++)
      order.push(
        gate.leave(
          slot,
          i,
          1,
          () => true,
          () => {},
        )!,
      )
    expect(order).toEqual(Array.from({ length: 5000 }, (_, i) => i))
  })
})
