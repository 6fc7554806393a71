import { seededRng } from '@nines/core'
import { describe, expect, it } from 'vitest'
import { classMix, classOf, itemsPerClass, nextRequest, requestClasses } from './class-mix.js'

describe('class mix', () => {
  it('is 20 % critical, 50 % normal, 30 % sheddable', () => {
    expect(classMix).toEqual({ critical: 0.2, normal: 0.5, sheddable: 0.3 })
    expect(classOf(0)).toBe('critical')
    expect(classOf(0.1999)).toBe('critical')
    expect(classOf(0.2)).toBe('normal')
    expect(classOf(0.6999)).toBe('normal')
    expect(classOf(0.7)).toBe('sheddable')
    expect(classOf(0.99999)).toBe('sheddable')
  })

  it('draws the same sequence for the same seed, close to the mix, over a few paths per class', () => {
    const draw = (seed: number) => {
      const rng = seededRng(seed)
      return Array.from({ length: 20_000 }, () => nextRequest(rng))
    }
    const a = draw(7)
    expect(draw(7)).toEqual(a)
    expect(draw(8)).not.toEqual(a)
    for (const cls of requestClasses) {
      const share = a.filter((r) => r.cls === cls).length / a.length
      expect(Math.abs(share - classMix[cls])).toBeLessThan(0.015)
    }
    expect(new Set(a.map((r) => r.path)).size).toBe(3 * itemsPerClass)
    expect(a.every((r) => r.path.startsWith(`/${r.cls}/item-`))).toBe(true)
  })
})
