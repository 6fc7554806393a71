import { BlockList } from 'node:net'
import { InvalidArgumentError } from '@nines/core'
import { Packet } from 'dns2'
import { describe, expect, it } from 'vitest'
import { RRType } from './constants.js'
import { encodeName } from './names.js'
import { BodyWriter, encodeBody, type PrecomputedBody, type WireRecord } from './records.js'

/** A response message around `body` for a question named `questionName`, decoded by dns2. */
function decode(questionName: string, body: PrecomputedBody): Packet {
  const header = Buffer.alloc(12)
  header.writeUInt16BE(0x8400, 2)
  header.writeUInt16BE(1, 4)
  header.writeUInt16BE(body.ancount, 6)
  header.writeUInt16BE(body.nscount, 8)
  header.writeUInt16BE(body.arcount, 10)
  const question = Buffer.concat([encodeName(questionName), Buffer.from([0, 1, 0, 1])])
  const packet = Packet.parse(Buffer.concat([header, question, body.bytes]))
  expect(packet.errors).toEqual([])
  return packet
}

const rec = (record: WireRecord): WireRecord => record
const Q = 'app.nines.test'

describe('encodeBody', () => {
  it('round-trips every record type through dns2', () => {
    const body = encodeBody(
      {
        answers: [
          rec({ name: Q, type: 'A', ttlSec: 30, data: '192.0.2.10' }),
          rec({ name: Q, type: 'AAAA', ttlSec: 30, data: '2001:db8::10' }),
          rec({ name: Q, type: 'CNAME', ttlSec: 60, data: 'edge.nines.test' }),
          rec({ name: Q, type: 'MX', ttlSec: 60, data: { preference: 10, exchange: 'mail.nines.test' } }),
          rec({ name: Q, type: 'TXT', ttlSec: 60, data: ['v=spf1 -all', ''] }),
          rec({
            name: Q,
            type: 'SRV',
            ttlSec: 60,
            data: { priority: 1, weight: 5, port: 8443, target: 'edge.nines.test' },
          }),
          rec({
            name: Q,
            type: 'CAA',
            ttlSec: 60,
            data: { flags: 128, tag: 'issue', value: 'ca.example; policy=ev' },
          }),
          rec({ name: '4.3.2.1.in-addr.arpa', type: 'PTR', ttlSec: 60, data: Q }),
        ],
        authorities: [
          rec({ name: 'nines.test', type: 'NS', ttlSec: 3600, data: 'ns1.nines.test' }),
          rec({
            name: 'nines.test',
            type: 'SOA',
            ttlSec: 300,
            data: {
              mname: 'ns1.nines.test',
              rname: 'hostmaster.nines.test',
              serial: 2026112201,
              refresh: 3600,
              retry: 600,
              expire: 4294967295,
              minimum: 60,
            },
          }),
        ],
        additionals: [rec({ name: 'ns1.nines.test', type: 'A', ttlSec: 3600, data: '192.0.2.53' })],
      },
      Q,
    )
    expect([body.ancount, body.nscount, body.arcount]).toEqual([8, 2, 1])
    const packet = decode(Q, body)
    const [a, aaaa, cname, mx, txt, srv, caa, ptr] = packet.answers
    expect(a).toMatchObject({ name: Q, type: RRType.A, class: 1, ttl: 30, address: '192.0.2.10' })
    expect(aaaa).toMatchObject({ type: RRType.AAAA, address: '2001:db8::10' })
    expect(cname).toMatchObject({ type: RRType.CNAME, ttl: 60, domain: 'edge.nines.test' })
    expect(mx).toMatchObject({ type: RRType.MX, priority: 10, exchange: 'mail.nines.test' })
    expect(txt).toMatchObject({ type: RRType.TXT, data: ['v=spf1 -all', ''] })
    expect(srv).toMatchObject({
      type: RRType.SRV,
      priority: 1,
      weight: 5,
      port: 8443,
      target: 'edge.nines.test',
    })
    expect(caa).toMatchObject({ type: RRType.CAA, flags: 128, tag: 'issue', value: 'ca.example; policy=ev' })
    expect(ptr).toMatchObject({ name: '4.3.2.1.in-addr.arpa', type: RRType.PTR, domain: Q })
    expect(packet.authorities[0]).toMatchObject({
      name: 'nines.test',
      type: RRType.NS,
      ttl: 3600,
      ns: 'ns1.nines.test',
    })
    expect(packet.authorities[1]).toMatchObject({
      type: RRType.SOA,
      primary: 'ns1.nines.test',
      admin: 'hostmaster.nines.test',
      serial: 2026112201,
      refresh: 3600,
      retry: 600,
      expiration: 4294967295,
      minimum: 60,
    })
    expect(packet.additionals[0]).toMatchObject({ name: 'ns1.nines.test', address: '192.0.2.53' })
  })

  it('compresses against the question name and earlier names', () => {
    const body = encodeBody(
      {
        answers: [
          rec({ name: Q, type: 'CNAME', ttlSec: 60, data: 'edge.nines.test' }),
          rec({ name: 'edge.nines.test', type: 'A', ttlSec: 60, data: '192.0.2.1' }),
        ],
      },
      Q,
    )
    const bodyOffset = 12 + encodeName(Q).length + 4
    expect(body.bodyOffset).toBe(bodyOffset)
    // Owner = question name → 0xC00C; the CNAME target is "edge" + a pointer to "nines.test" at 16.
    expect(body.bytes.subarray(0, 2).toString('hex')).toBe('c00c')
    const target = body.bytes.subarray(12, 12 + 7).toString('hex')
    expect(target).toBe('04' + Buffer.from('edge').toString('hex') + 'c010')
    // The A record's owner points at the CNAME target written at bodyOffset + 12.
    expect(body.bytes.readUInt16BE(19)).toBe(0xc000 | (bodyOffset + 12))
    const packet = decode(Q, body)
    expect(packet.answers.map((r) => r.name)).toEqual([Q, 'edge.nines.test'])
    expect(packet.answers[0]?.domain).toBe('edge.nines.test')
  })

  it('never compresses an SRV target', () => {
    const body = encodeBody(
      {
        answers: [
          rec({ name: Q, type: 'SRV', ttlSec: 60, data: { priority: 0, weight: 0, port: 1, target: Q } }),
        ],
      },
      Q,
    )
    expect(body.bytes.subarray(-encodeName(Q).length).equals(encodeName(Q))).toBe(true)
    expect(decode(Q, body).answers[0]?.target).toBe(Q)
  })

  it('splits TXT strings longer than 255 bytes', () => {
    const long = 'x'.repeat(600)
    const utf8 = 'é'.repeat(200) // 400 bytes
    const body = encodeBody(
      { answers: [rec({ name: Q, type: 'TXT', ttlSec: 60, data: [long, 'short', utf8] })] },
      Q,
    )
    const data = decode(Q, body).answers[0]?.data as string[]
    expect(data).toHaveLength(6)
    expect(data.slice(0, 4).map((s) => s.length)).toEqual([255, 255, 90, 5])
    expect(data.slice(0, 3).join('')).toBe(long)
    // The UTF-8 split can fall inside a character; the bytes still join back exactly.
    const rdata = body.bytes.subarray(body.bytes.length - 402)
    expect(Buffer.concat([rdata.subarray(1, 256), rdata.subarray(257)]).toString('utf8')).toBe(utf8)
  })

  it('encodes IPv4-mapped and loopback AAAA correctly', () => {
    const body = encodeBody(
      {
        answers: [
          rec({ name: Q, type: 'AAAA', ttlSec: 60, data: '::ffff:1.2.3.4' }),
          rec({ name: Q, type: 'AAAA', ttlSec: 60, data: '::1' }),
        ],
      },
      Q,
    )
    const [mapped, loopback] = decode(Q, body).answers
    const mappedList = new BlockList()
    mappedList.addAddress('::ffff:1.2.3.4', 'ipv6')
    expect(mappedList.check(mapped?.address ?? '', 'ipv6')).toBe(true)
    expect(mapped?.address).toBe('::ffff:102:304')
    expect(loopback?.address).toBe('::1')
  })

  it('keeps names punycoded and TTLs clamped', () => {
    const body = encodeBody(
      {
        answers: [
          rec({ name: 'bücher.nines.test', type: 'A', ttlSec: 4294967296, data: '192.0.2.1' }),
          rec({ name: 'bücher.nines.test', type: 'A', ttlSec: 1.9, data: '192.0.2.2' }),
        ],
      },
      Q,
    )
    const answers = decode(Q, body).answers
    expect(answers.map((r) => [r.name, r.ttl])).toEqual([
      ['xn--bcher-kva.nines.test', 2147483647],
      ['xn--bcher-kva.nines.test', 1],
    ])
  })

  it('with no question name writes no pointers, so the body fits after any question', () => {
    const body = encodeBody(
      {
        authorities: [
          rec({
            name: 'nines.test',
            type: 'SOA',
            ttlSec: 60,
            data: {
              mname: 'ns1.nines.test',
              rname: 'hostmaster.nines.test',
              serial: 1,
              refresh: 2,
              retry: 3,
              expire: 4,
              minimum: 5,
            },
          }),
        ],
      },
      null,
    )
    expect(body.bodyOffset).toBeNull()
    for (const qname of ['nope.nines.test', 'a.b.c.nines.test', 'x.test']) {
      expect(decode(qname, body).authorities[0]).toMatchObject({
        name: 'nines.test',
        primary: 'ns1.nines.test',
      })
    }
  })

  it('stops pointing at names written past offset 0x3FFF', () => {
    const big = 'y'.repeat(17000)
    const body = encodeBody(
      {
        answers: [
          rec({ name: Q, type: 'TXT', ttlSec: 60, data: [big] }),
          rec({ name: 'a.late.nines.test', type: 'A', ttlSec: 60, data: '192.0.2.1' }),
          rec({ name: 'b.late.nines.test', type: 'A', ttlSec: 60, data: '192.0.2.2' }),
        ],
      },
      Q,
    )
    const answers = decode(Q, body).answers
    expect(answers.map((r) => r.name)).toEqual([Q, 'a.late.nines.test', 'b.late.nines.test'])
    // "late" is written again in full: the first copy lies beyond the pointer range.
    const tail = body.bytes.subarray(-30)
    expect(tail.includes(Buffer.from('\u0004late', 'latin1'))).toBe(true)
  })

  it('handles 200 records', () => {
    const answers = Array.from({ length: 200 }, (_, i) =>
      rec({ name: Q, type: 'A', ttlSec: 20, data: `10.0.${i >> 8}.${i & 255}` }),
    )
    const body = encodeBody({ answers }, Q)
    expect(body.bytes).toHaveLength(200 * 16)
    expect(decode(Q, body).answers.map((r) => r.address)).toEqual(answers.map((r) => r.data))
  })
})

describe('misuse throws InvalidArgumentError', () => {
  const bad: [string, WireRecord][] = [
    ['a negative TTL', { name: Q, type: 'A', ttlSec: -1, data: '192.0.2.1' }],
    ['a NaN TTL', { name: Q, type: 'A', ttlSec: Number.NaN, data: '192.0.2.1' }],
    ['an invalid A', { name: Q, type: 'A', ttlSec: 1, data: '10.0.0.300' }],
    ['an IPv6 A', { name: Q, type: 'A', ttlSec: 1, data: '::1' }],
    ['an IPv4 AAAA', { name: Q, type: 'AAAA', ttlSec: 1, data: '1.2.3.4' }],
    ['a zoned AAAA', { name: Q, type: 'AAAA', ttlSec: 1, data: 'fe80::1%eth0' }],
    [
      'an MX preference > 65535',
      { name: Q, type: 'MX', ttlSec: 1, data: { preference: 70000, exchange: Q } },
    ],
    [
      'an SRV port < 0',
      { name: Q, type: 'SRV', ttlSec: 1, data: { priority: 0, weight: 0, port: -1, target: Q } },
    ],
    ['an empty TXT', { name: Q, type: 'TXT', ttlSec: 1, data: [] }],
    [
      'a CAA tag with a dash',
      { name: Q, type: 'CAA', ttlSec: 1, data: { flags: 0, tag: 'is-sue', value: '' } },
    ],
    [
      'a CAA flags byte > 255',
      { name: Q, type: 'CAA', ttlSec: 1, data: { flags: 256, tag: 'issue', value: '' } },
    ],
    [
      'an SOA serial > 2^32-1',
      {
        name: Q,
        type: 'SOA',
        ttlSec: 1,
        data: { mname: Q, rname: Q, serial: 2 ** 32, refresh: 0, retry: 0, expire: 0, minimum: 0 },
      },
    ],
    ['a bad owner name', { name: 'a..b', type: 'A', ttlSec: 1, data: '192.0.2.1' }],
    ['an unsupported type', { name: Q, type: 'OPT', ttlSec: 1, data: '' } as unknown as WireRecord],
  ]
  it.each(bad)('%s', (_, record) => {
    expect(() => encodeBody({ answers: [record] }, Q)).toThrow(InvalidArgumentError)
  })

  it('sections out of order, a wrong bodyOffset, a body too big for a message', () => {
    const a = rec({ name: Q, type: 'A', ttlSec: 1, data: '192.0.2.1' })
    expect(() => new BodyWriter(Q).add('authority', a).add('answer', a)).toThrow(
      /answer records must come before/,
    )
    expect(() => new BodyWriter(Q, 12)).toThrow(/bodyOffset: expected 32/)
    expect(new BodyWriter(Q, 32).bodyOffset).toBe(32)
    const chunk = rec({ name: Q, type: 'TXT', ttlSec: 1, data: ['z'.repeat(10000)] })
    expect(() => encodeBody({ answers: Array(7).fill(chunk) }, Q)).toThrow(/more than fits a message/)
    expect(encodeBody({ answers: Array(6).fill(chunk) }, Q).ancount).toBe(6)
    const huge = rec({ name: Q, type: 'TXT', ttlSec: 1, data: Array(7).fill('z'.repeat(10000)) })
    expect(() => encodeBody({ answers: [huge] }, Q)).toThrow(/bytes, at most 65535/)
  })
})
