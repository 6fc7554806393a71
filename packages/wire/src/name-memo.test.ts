import { describe, expect, it } from 'vitest'
import { seededRng } from '@nines/core'
import { NameMemo } from './name-memo.js'
import { encodeName, nameKey } from './names.js'

/** The name's wire bytes at offset `at` inside a larger buffer, as in a query. */
function placed(name: string, at = 12): { buf: Buffer; end: number } {
  const wire = encodeName(name)
  const buf = Buffer.alloc(at + wire.length + 4, 0xee)
  wire.copy(buf, at)
  return { buf, end: at + wire.length }
}

describe('NameMemo', () => {
  it('gives the same key as nameKey, for every casing, and the same string when asked again', () => {
    const memo = new NameMemo()
    const first = placed('App.Nines.TEST')
    const key = memo.keyOf(first.buf, 12, first.end)
    expect(key).toBe(nameKey(first.buf, 12, first.end))
    for (const variant of ['app.nines.test', 'APP.NINES.TEST', 'aPp.nInEs.tEsT']) {
      const { buf, end } = placed(variant)
      expect(memo.keyOf(buf, 12, end)).toBe(key)
    }
  })

  it('tells apart names that share a slot: same length, same first bytes, other tail', () => {
    const memo = new NameMemo()
    // The slot hashes the length and the first 8 bytes; these differ only after them.
    const names = ['abcdefgh.one.test', 'abcdefgh.two.test', 'abcdefgh.six.test']
    for (let round = 0; round < 3; round++) {
      for (const name of names) {
        const { buf, end } = placed(name)
        expect(memo.keyOf(buf, 12, end)).toBe(nameKey(buf, 12, end))
      }
    }
  })

  it('folds ASCII only: bytes >= 0x80 and the root name keep their identity', () => {
    const memo = new NameMemo()
    const high = Buffer.from([12, 2, 0xc4, 0x41, 4, 0x54, 0x45, 0x53, 0x54, 0])
    expect(memo.keyOf(high, 1, high.length)).toBe(nameKey(high, 1, high.length))
    const other = Buffer.from([12, 2, 0xe4, 0x41, 4, 0x54, 0x45, 0x53, 0x54, 0])
    expect(memo.keyOf(other, 1, other.length)).not.toBe(memo.keyOf(high, 1, high.length))
    const root = Buffer.from([0])
    expect(memo.keyOf(root, 0, 1)).toBe('\x00')
  })

  it('agrees with nameKey over many random names, asked in random order and casing', () => {
    const memo = new NameMemo()
    const rng = seededRng(7)
    const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-'
    const label = () =>
      Array.from(
        { length: 1 + Math.floor(rng.next() * 10) },
        () => letters[Math.floor(rng.next() * letters.length)],
      ).join('')
    const names = Array.from({ length: 600 }, () => `${label()}.${label()}.test`)
    for (let i = 0; i < 5000; i++) {
      const { buf, end } = placed(names[Math.floor(rng.next() * names.length)]!)
      expect(memo.keyOf(buf, 12, end)).toBe(nameKey(buf, 12, end))
    }
  })
})
