import { seededRng } from '@nines/core'
import { describe, expect, it } from 'vitest'
import { encodeQuery } from '@nines/wire'
import { FrameReader } from './framing.js'
import { framed } from './testing.js'

const messages = [
  encodeQuery({ id: 1, name: 'a.nines.test' }),
  encodeQuery({ id: 2, name: 'app.nines.test', edns: { ecs: '203.0.113.0/24' } }),
  Buffer.alloc(3000, 7), // spans many chunks
]
const stream = Buffer.concat(messages.map(framed))
// Hex strings: vitest compares Buffers element by element, which is slow for thousands of cases.
const hex = (buffers: Buffer[]) => buffers.map((b) => b.toString('hex'))
const expected = hex(messages)

function read(chunks: Buffer[]): { frames: Buffer[]; intact: boolean; reader: FrameReader } {
  const frames: Buffer[] = []
  // Copy: a frame may be a view into a chunk the caller reuses.
  const reader = new FrameReader((msg) => frames.push(Buffer.from(msg)))
  let intact = true
  for (const chunk of chunks) if (intact) intact = reader.push(chunk)
  return { frames, intact, reader }
}

describe('FrameReader', () => {
  it('yields the same frames wherever the stream is cut in two', () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const { frames, intact, reader } = read([stream.subarray(0, cut), stream.subarray(cut)])
      expect(intact).toBe(true)
      expect(hex(frames)).toEqual(expected)
      expect(reader.buffered).toBe(0)
    }
  })

  it('yields the same frames from random chunkings and a byte at a time', () => {
    const rng = seededRng(3)
    const byteAtATime = [...stream].map((b) => Buffer.from([b]))
    expect(hex(read(byteAtATime).frames)).toEqual(expected)
    for (let round = 0; round < 200; round++) {
      const chunks: Buffer[] = []
      for (let p = 0; p < stream.length;) {
        const n = 1 + Math.floor(rng.next() * 64)
        chunks.push(stream.subarray(p, p + n))
        p += n
      }
      expect(hex(read(chunks).frames)).toEqual(expected)
    }
  })

  it('holds at most one frame of the declared size for an incomplete frame', () => {
    const { frames, reader } = read([Buffer.from([0xff]), Buffer.from([0xff]), Buffer.alloc(40_000)])
    expect(frames).toEqual([])
    expect(reader.buffered).toBe(40_000)
    reader.reset()
    expect(reader.buffered).toBe(0)
    expect(reader.push(framed(messages[0]!))).toBe(true)
  })

  it.each([0, 1, 11])('stops at a frame length of %i, after the frames before it', (length) => {
    const bad = Buffer.alloc(2 + length)
    bad.writeUInt16BE(length, 0)
    const { frames, intact } = read([Buffer.concat([framed(messages[0]!), bad, framed(messages[1]!)])])
    expect(intact).toBe(false)
    expect(frames).toEqual([messages[0]])
  })

  it('started: 0 between frames, else the ordinal of the frame under way', () => {
    const reader = new FrameReader(() => undefined)
    const [first, second] = [framed(messages[0]!), framed(messages[1]!)]
    reader.push(first)
    expect(reader.started).toBe(0)
    reader.push(second.subarray(0, 1))
    expect(reader.started).toBe(2)
    reader.push(second.subarray(1, 10))
    expect(reader.started).toBe(2)
    reader.push(Buffer.concat([second.subarray(10), first.subarray(0, 5)]))
    expect(reader.started).toBe(3)
    reader.push(first.subarray(5))
    expect(reader.started).toBe(0)
  })
})
