import { ManualClock } from '@nines/core'
import { Packet } from 'dns2'
import { describe, expect, it } from 'vitest'
import { Rcode, encodeQuery, parseQuery, writeError } from '@nines/wire'
import { ResponseRateLimiter, rrlSchema, slipResponse, type RrlDecision } from './rrl.js'

const take = (rrl: ResponseRateLimiter, n: number, address = '192.0.2.1', family: 4 | 6 = 4): RrlDecision[] =>
  Array.from({ length: n }, () => rrl.check(address, family))

describe('rrlSchema', () => {
  it('is off by default, with BIND-like defaults', () => {
    expect(rrlSchema.parse({})).toEqual({
      enabled: false,
      responsesPerSecond: 100,
      slip: 2,
      ipv4Prefix: 24,
      ipv6Prefix: 56,
      maxPrefixes: 100_000,
    })
  })

  it('names the bad field', () => {
    expect(() => new ResponseRateLimiter({ enabled: true, slip: -1 })).toThrow(/^rrl\.slip: /)
  })
})

describe('ResponseRateLimiter', () => {
  it('allows a burst, then drops, slipping every `slip`-th limited response', () => {
    const clock = new ManualClock()
    const rrl = new ResponseRateLimiter({ enabled: true, responsesPerSecond: 3, slip: 2 }, clock)
    expect(take(rrl, 7)).toEqual(['send', 'send', 'send', 'drop', 'slip', 'drop', 'slip'])
  })

  it('slip 0 drops every limited response; slip 1 slips every one', () => {
    const clock = new ManualClock()
    expect(take(new ResponseRateLimiter({ responsesPerSecond: 1, slip: 0 }, clock), 4)).toEqual([
      'send',
      'drop',
      'drop',
      'drop',
    ])
    expect(take(new ResponseRateLimiter({ responsesPerSecond: 1, slip: 1 }, clock), 3)).toEqual([
      'send',
      'slip',
      'slip',
    ])
  })

  it('refills at responsesPerSecond up to burst', () => {
    const clock = new ManualClock()
    const rrl = new ResponseRateLimiter({ responsesPerSecond: 10, burst: 2, slip: 0 }, clock)
    expect(take(rrl, 3)).toEqual(['send', 'send', 'drop'])
    clock.advance(100) // one token
    expect(take(rrl, 2)).toEqual(['send', 'drop'])
    clock.advance(60_000) // capped at burst
    expect(take(rrl, 3)).toEqual(['send', 'send', 'drop'])
  })

  it.each([
    [4, '10.1.2.3', '10.1.2.250', '10.1.3.3', { ipv4Prefix: 24 }],
    [4, '10.1.2.3', '10.1.200.3', '10.2.2.3', { ipv4Prefix: 16 }],
    [6, '2001:db8:0:ab01::1', '2001:db8:0:abff::2', '2001:db8:0:ac00::1', { ipv6Prefix: 56 }],
    [6, '2001:db8::1', '2001:db8::1', '2001:db8::2', { ipv6Prefix: 128 }],
  ] as const)('shares one bucket per prefix (IPv%i %s ~ %s, not %s)', (family, a, sameAsA, other, prefix) => {
    const rrl = new ResponseRateLimiter({ responsesPerSecond: 1, slip: 0, ...prefix }, new ManualClock())
    expect(rrl.check(a, family)).toBe('send')
    expect(rrl.check(sameAsA, family)).toBe('drop')
    expect(rrl.check(other, family)).toBe('send')
  })

  it('keeps at most maxPrefixes buckets, forgetting the least recently seen', () => {
    const rrl = new ResponseRateLimiter(
      { responsesPerSecond: 1, slip: 0, maxPrefixes: 16 },
      new ManualClock(),
    )
    expect(rrl.check('10.0.0.1', 4)).toBe('send')
    for (let i = 1; i < 16; i++) rrl.check(`10.0.${i}.1`, 4)
    expect(rrl.check('10.0.0.1', 4)).toBe('drop') // seen again: now the most recent
    for (let i = 100; i < 115; i++) rrl.check(`10.0.${i}.1`, 4)
    expect(rrl.size).toBe(16)
    expect(rrl.check('10.0.0.1', 4)).toBe('drop') // survived 15 newcomers
    expect(rrl.check('10.0.1.1', 4)).toBe('send') // forgotten, so a fresh bucket
    expect(rrl.size).toBe(16)
  })
})

describe('slipResponse', () => {
  it('keeps header and question, sets TC and empties every section', () => {
    const query = encodeQuery({ id: 77, name: 'app.nines.test', edns: { ecs: '203.0.113.0/24' } })
    const reply = writeError(
      query,
      { problem: 'formerr', detail: 'x', id: 77, flags: 0x0100 },
      Rcode.NXDOMAIN,
    )!
    const full = writeError(query, parseQuery(query), Rcode.NXDOMAIN)!
    for (const [input, qdcount] of [
      [reply, 0],
      [full, 1],
    ] as const) {
      const packet = Packet.parse(slipResponse(Buffer.from(input)))
      expect(packet.header).toMatchObject({
        id: 77,
        qr: 1,
        tc: 1,
        rcode: Rcode.NXDOMAIN,
        qdcount,
        arcount: 0,
      })
      expect(packet.additionals).toHaveLength(0)
    }
  })
})
