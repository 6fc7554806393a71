import { InvalidArgumentError, seededRng } from '@nines/core'
import { describe, expect, it } from 'vitest'
import { encodeName, nameKey, nameKeyOf, nameOfKey, parentKey, uncompressedNameEnd } from './names.js'

const wire = (...bytes: number[]) => Buffer.from(bytes)
const label = (text: string) => [text.length, ...Buffer.from(text, 'latin1')]

describe('encodeName', () => {
  it.each([
    ['app.nines.test', [...label('app'), ...label('nines'), ...label('test'), 0]],
    ['app.nines.test.', [...label('app'), ...label('nines'), ...label('test'), 0]],
    ['ApP.NiNeS.TeSt', [...label('ApP'), ...label('NiNeS'), ...label('TeSt'), 0]],
    ['.', [0]],
    ['_sip._tcp.nines.test', [...label('_sip'), ...label('_tcp'), ...label('nines'), ...label('test'), 0]],
    ['*.nines.test', [...label('*'), ...label('nines'), ...label('test'), 0]],
    // WHATWG host parsing would make these 0.0.0.10 and 1.0.0.2; DNS names are not hosts.
    ['10', [...label('10'), 0]],
    ['1.2', [...label('1'), ...label('2'), 0]],
    ['bücher.test', [...label('xn--bcher-kva'), ...label('test'), 0]],
  ])('%s', (name, bytes) => {
    expect([...encodeName(name)]).toEqual(bytes)
  })

  it('accepts 63-byte labels and 255-byte names, and no more', () => {
    const l63 = 'a'.repeat(63)
    const name255 = [l63, l63, l63, 'b'.repeat(61)].join('.')
    expect(encodeName(name255)).toHaveLength(255)
    expect(() => encodeName(name255 + 'b')).toThrow(InvalidArgumentError)
    expect(encodeName(l63 + '.test')).toHaveLength(70)
    expect(() => encodeName('a'.repeat(64) + '.test')).toThrow(/label .* 64 bytes/)
  })

  it.each([
    '',
    'a..b',
    '.a',
    'a b.test',
    'tab\t.test',
    'back\\slash.test',
    'nul\0.test',
    'xn--ü.test',
    'ü/x.test',
    'ü..test',
  ])('rejects %j', (name) => {
    expect(() => encodeName(name)).toThrow(InvalidArgumentError)
  })
})

describe('nameKey', () => {
  it('folds ASCII case only', () => {
    const upper = wire(...label('ApP'), ...label('NiNeS'), ...label('TeSt'), 0)
    const lower = encodeName('app.nines.test')
    expect(nameKey(upper, 0, upper.length)).toBe(nameKey(lower, 0, lower.length))
    // 0xC0 (À) and 0xE0 (à) are different bytes to DNS; String#toLowerCase would merge them.
    const a = wire(2, 0xc0, 0x41, 0)
    const b = wire(2, 0xe0, 0x61, 0)
    const c = wire(2, 0xc0, 0x61, 0)
    expect(nameKey(a, 0, 4)).not.toBe(nameKey(b, 0, 4))
    expect(nameKey(a, 0, 4)).toBe(nameKey(c, 0, 4))
    expect(nameKey(c, 0, 4)).toBe('\u0002\u00c0a\u0000')
  })

  it('agrees with nameKeyOf for config names', () => {
    const msg = Buffer.concat([
      Buffer.alloc(12),
      wire(...label('WWW'), ...label('Nines'), ...label('TEST'), 0),
    ])
    expect(nameKey(msg, 12, msg.length)).toBe(nameKeyOf('www.nines.test'))
    expect(nameKey(msg, 12, msg.length)).toBe(nameKeyOf('WWW.NINES.TEST.'))
    expect(nameKeyOf('bücher.test')).toBe(nameKeyOf('XN--BCHER-KVA.test'))
  })

  it('is equal for two random wire names exactly when they are equal after ASCII folding', () => {
    const rng = seededRng(7)
    const byte = () => Math.floor(rng.next() * 256)
    const fold = (b: number) => (b >= 0x41 && b <= 0x5a ? b + 0x20 : b)
    for (let n = 0; n < 2000; n++) {
      const length = 1 + Math.floor(rng.next() * 4)
      // Draw from a small alphabet with both cases and high bytes so collisions happen.
      const alphabet = [0x41, 0x61, 0xc0, 0xe0, 0x5a, 0x7a, 0x80, 0xde, 0xfe]
      const pick = () => (rng.next() < 0.8 ? alphabet[Math.floor(rng.next() * alphabet.length)]! : byte())
      const x = Array.from({ length }, pick)
      const y =
        rng.next() < 0.5
          ? x.map((b) => (rng.next() < 0.5 && b >= 0x61 && b <= 0x7a ? b - 0x20 : b))
          : Array.from({ length }, pick)
      const same = x.map(fold).join() === y.map(fold).join()
      const kx = nameKey(wire(length, ...x, 0), 0, length + 2)
      const ky = nameKey(wire(length, ...y, 0), 0, length + 2)
      expect(kx === ky).toBe(same)
    }
  })
})

describe('parentKey / nameOfKey', () => {
  it('walks up to the root', () => {
    const key = nameKeyOf('app.nines.test')
    const parents: string[] = []
    for (let k: string | null = key; k !== null; k = parentKey(k)) parents.push(nameOfKey(k))
    expect(parents).toEqual(['app.nines.test', 'nines.test', 'test', '.'])
    expect(parentKey(nameKeyOf('nines.test'))).toBe(nameKeyOf('test'))
  })

  it('escapes bytes that would make two names print alike', () => {
    const name = wire(3, 0x61, 0x2e, 0x62, 2, 0x5c, 0x20, 2, 0xc0, 0x09, 0)
    expect(nameOfKey(nameKey(name, 0, name.length))).toBe('a\\.b.\\\\\\032.\\192\\009')
    expect(nameOfKey(nameKeyOf('a.b'))).not.toBe(nameOfKey(nameKey(wire(3, 0x61, 0x2e, 0x62, 0), 0, 5)))
  })
})

describe('uncompressedNameEnd', () => {
  it.each([
    ['a plain name', [...label('app'), ...label('test'), 0], 10],
    ['the root', [0], 1],
    ['a compression pointer', [0xc0, 0x0c], -1],
    ['a pointer after a label', [...label('app'), 0xc0, 0x0c], -1],
    ['a reserved label type 0x40', [0x40, 0], -1],
    ['a reserved label type 0x80', [0x80, 0], -1],
    ['a name running past the end', [...label('app'), 5, 0x61], -1],
    ['a missing root', label('app'), -1],
  ])('%s', (_, bytes, end) => {
    expect(uncompressedNameEnd(Buffer.from(bytes), 0)).toBe(end)
  })

  it('rejects names longer than 255 bytes and respects the limit', () => {
    const long = Buffer.from([...Array.from({ length: 4 }, () => label('a'.repeat(63))).flat(), 0])
    expect(long).toHaveLength(257)
    expect(uncompressedNameEnd(long, 0)).toBe(-1)
    const ok = encodeName('app.test')
    expect(uncompressedNameEnd(ok, 0, ok.length - 1)).toBe(-1)
    expect(uncompressedNameEnd(ok, 0, ok.length)).toBe(ok.length)
  })
})
