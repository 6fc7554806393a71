import { ManualClock } from '@nines/core'
import { describe, expect, it } from 'vitest'
import { Fills, passMs, type FillOutcome, type Lead, type Wait } from './collapse.js'
import type { ResponseTap } from './tap.js'

/** A tap that keeps what the cache would store when the head is wanted. */
function tap(wants: boolean): ResponseTap {
  return { head: () => wants, data: () => {}, end: () => {}, abort: () => {} }
}

describe('Fills', () => {
  it('one leads a key, the others wait for it and are woken however it ends', async () => {
    const clock = new ManualClock(0)
    const fills = new Fills(clock, () => true)
    const lead = fills.join('GET a/x') as Lead
    expect(lead.lead).toBe(true)
    const wait = fills.join('GET a/x')
    expect(wait?.lead).toBe(false)
    expect(fills.join('GET a/y')?.lead).toBe(true) // another key, another fill
    let woken: FillOutcome | undefined
    void (wait as Wait).filled.then((outcome) => (woken = outcome))
    const watched = lead.watch(tap(true))
    watched.head(200, [])
    await Promise.resolve()
    expect(woken).toBeUndefined()
    watched.end()
    lead.release() // the response's close after its end: once is enough
    await Promise.resolve()
    expect(woken).toBe('filled')
    expect(fills.join('GET a/x')?.lead).toBe(true) // a new miss leads again
  })

  it('passes a key whose answer could not be stored for passMs, but not one whose answer failed', async () => {
    const clock = new ManualClock(0)
    const fills = new Fills(clock, () => false)
    const unstorable = fills.join('GET a/no-store') as Lead
    const waiting = fills.join('GET a/no-store') as Wait
    expect(unstorable.watch(tap(false)).head(200, [])).toBe(false)
    expect(await waiting.filled).toBe('pass')
    expect(fills.join('GET a/no-store')).toBeUndefined()
    clock.advance(passMs - 1)
    expect(fills.join('GET a/no-store')).toBeUndefined()
    clock.advance(1)
    expect(fills.join('GET a/no-store')?.lead).toBe(true)

    const failed = fills.join('GET a/down') as Lead
    const behind = fills.join('GET a/down') as Wait
    failed.watch(tap(false)).head(503, [])
    expect(await behind.filled).toBe('failed')
    expect(fills.join('GET a/down')?.lead).toBe(true)
    const reset = fills.join('GET a/reset') as Lead
    const watched = reset.watch(tap(true))
    watched.head(200, [])
    watched.abort()
    expect(fills.join('GET a/reset')?.lead).toBe(true)
    // Shed or no endpoint: released with no answer at all.
    const shed = fills.join('GET a/shed') as Lead
    shed.release()
    expect(fills.join('GET a/shed')?.lead).toBe(true)
  })
})
