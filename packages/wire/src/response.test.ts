import { InvalidArgumentError } from '@nines/core'
import { Packet } from 'dns2'
import { describe, expect, it } from 'vitest'
import { Rcode, RRType } from './constants.js'
import { encodeQuery, type QueryOptions } from './query-builder.js'
import { isQueryProblem, parseQuery, type ParsedQuery, type QueryProblem } from './query.js'
import { EMPTY_BODY, encodeBody, type PrecomputedBody, type WireRecord } from './records.js'
import { maxUdpPayloadSchema, writeError, writeResponse, type ResponseLimits } from './response.js'

const Q = 'app.nines.test'
const UDP: ResponseLimits = { maxUdpPayload: 1232, transport: 'udp' }
const TCP: ResponseLimits = { maxUdpPayload: 1232, transport: 'tcp' }

function query(options: QueryOptions): { msg: Buffer; q: ParsedQuery } {
  const msg = encodeQuery(options)
  const q = parseQuery(msg)
  if (isQueryProblem(q)) throw new Error(`${q.problem}: ${q.detail}`)
  return { msg, q }
}

function problem(msg: Buffer): QueryProblem {
  const p = parseQuery(msg)
  if (!isQueryProblem(p)) throw new Error('expected a problem')
  return p
}

function decode(bytes: Buffer | null): Packet {
  if (!bytes) throw new Error('no response')
  const packet = Packet.parse(bytes)
  expect(packet.errors).toEqual([])
  return packet
}

const aRecords = (count: number, name = Q): WireRecord[] =>
  Array.from({ length: count }, (_, i) => ({
    name,
    type: 'A',
    ttlSec: 30,
    data: `10.0.${i >> 8}.${i & 255}`,
  }))

const answer = (body: PrecomputedBody, ecsScope?: number) => ({
  rcode: Rcode.NOERROR,
  aa: true,
  body,
  ecsScope,
})

describe('writeResponse', () => {
  it('copies ID, RD, CD and the question, and echoes the client casing through 0xC00C', () => {
    const { msg, q } = query({ id: 0xabcd, name: 'ApP.NiNeS.TeSt', cd: true })
    const out = writeResponse(q, msg, answer(encodeBody({ answers: aRecords(2) }, Q)), UDP)
    const packet = decode(out)
    expect(packet.header).toMatchObject({
      id: 0xabcd,
      qr: 1,
      opcode: 0,
      aa: 1,
      tc: 0,
      rd: 1,
      ra: 0,
      cd: 1,
      ad: 0,
      rcode: 0,
    })
    expect(packet.header).toMatchObject({ qdcount: 1, ancount: 2, nscount: 0, arcount: 0 })
    expect(packet.questions[0]).toMatchObject({ name: 'ApP.NiNeS.TeSt', type: RRType.A, class: 1 })
    expect(packet.answers.map((r) => [r.name, r.address])).toEqual([
      ['ApP.NiNeS.TeSt', '10.0.0.0'],
      ['ApP.NiNeS.TeSt', '10.0.0.1'],
    ])
    expect(out.subarray(12, q.questionEnd).equals(msg.subarray(12, q.questionEnd))).toBe(true)
  })

  it('answers without an OPT when the query had none, and clears RD when the client did', () => {
    const { msg, q } = query({ id: 1, name: Q, rd: false })
    const packet = decode(writeResponse(q, msg, { rcode: Rcode.NXDOMAIN, aa: true, body: EMPTY_BODY }, UDP))
    expect(packet.header).toMatchObject({ rd: 0, rcode: Rcode.NXDOMAIN, arcount: 0 })
    expect(packet.additionals).toEqual([])
  })

  it.each([
    ['IPv4 /24', '203.0.113.77/24', 24, { family: 1, sourcePrefixLength: 24, ip: '203.0.113.0' }],
    [
      'IPv6 /48',
      '2001:db8:1234:5678::1/48',
      48,
      { family: 2, sourcePrefixLength: 48, ip: '2001:db8:1234:0:0:0:0:0' },
    ],
    // dns2 3.1.1 reads IPv6 ECS addresses 16 bits at a time, so an odd byte count (/56 = 7 bytes)
    // reads one byte past the option; a pad byte after the message keeps it inside the buffer.
    [
      'IPv6 /56',
      '2001:db8:1234:5678::1/56',
      56,
      { family: 2, sourcePrefixLength: 56, ip: '2001:db8:1234:5600:0:0:0:0' },
    ],
  ])('echoes %s ECS with our scope, and the DO bit', (_, ecs, scope, expected) => {
    const { msg, q } = query({
      name: Q,
      edns: { ecs, doBit: true, udpPayloadSize: 4096, cookie: Buffer.alloc(8, 3) },
    })
    const out = writeResponse(q, msg, answer(encodeBody({ answers: aRecords(1) }, Q), scope), UDP)
    const addressBytes = (expected.sourcePrefixLength + 7) >> 3
    // No COOKIE comes back: the OPT RDATA is exactly one ECS option, and the OPT ends the message.
    expect(out.readUInt16BE(out.length - addressBytes - 10)).toBe(8 + addressBytes)
    const packet = decode(addressBytes % 2 ? Buffer.concat([out, Buffer.alloc(1)]) : out)
    expect(packet.header.arcount).toBe(1)
    const opt = packet.additionals[0]
    expect(opt).toMatchObject({
      name: '',
      type: RRType.OPT,
      class: 1232,
      extendedRcode: 0,
      version: 0,
      doFlag: true,
    })
    expect(opt?.rdata).toEqual([{ ednsCode: 8, scopePrefixLength: scope, ...expected }])
  })

  it('echoes ECS with scope 0 by default and leaves DO clear when the client did', () => {
    const { msg, q } = query({ name: Q, edns: { ecs: '198.51.100.0/24' } })
    const opt = decode(writeResponse(q, msg, answer(EMPTY_BODY), UDP)).additionals[0]
    expect(opt).toMatchObject({ doFlag: false, rdata: [{ scopePrefixLength: 0, ip: '198.51.100.0' }] })
  })

  it('truncates at 512 bytes without EDNS, never mid-record', () => {
    const { msg, q } = query({ id: 5, name: Q })
    // 30 bytes of message head + 16 bytes per A record: 30 A fit in 512, 31 do not.
    const fits = writeResponse(q, msg, answer(encodeBody({ answers: aRecords(30) }, Q)), UDP)
    expect(fits).toHaveLength(512)
    expect(decode(fits).header.tc).toBe(0)
    const over = writeResponse(q, msg, answer(encodeBody({ answers: aRecords(31) }, Q)), UDP)
    const packet = decode(over)
    expect(packet.header).toMatchObject({ id: 5, tc: 1, ancount: 0, nscount: 0, arcount: 0 })
    expect(packet.questions[0]?.name).toBe(Q)
    expect(over).toHaveLength(q.questionEnd)
  })

  it.each([
    ["the client's size when smaller than ours", 700, 700],
    ['our size when the client offers more', 4096, 1232],
    ['512 when the client offers less', 100, 512],
  ])('truncates at %s', (_, clientSize, budget) => {
    const { msg, q } = query({ name: Q, edns: { udpPayloadSize: clientSize, ecs: '192.0.2.0/24' } })
    const optBytes = 11 + 8 + 3
    const fitting = Math.floor((budget - q.questionEnd - optBytes) / 16)
    const full = writeResponse(q, msg, answer(encodeBody({ answers: aRecords(fitting) }, Q), 24), UDP)
    expect(full.length).toBeLessThanOrEqual(budget)
    expect(decode(full).answers).toHaveLength(fitting)
    const out = writeResponse(q, msg, answer(encodeBody({ answers: aRecords(fitting + 1) }, Q), 24), UDP)
    const packet = decode(out)
    expect(packet.header).toMatchObject({ tc: 1, ancount: 0, arcount: 1 })
    expect(packet.additionals[0]).toMatchObject({ type: RRType.OPT, rdata: [{ scopePrefixLength: 24 }] })
    expect(out).toHaveLength(q.questionEnd + optBytes)
  })

  it('never truncates over TCP', () => {
    const { msg, q } = query({ name: Q })
    const out = writeResponse(q, msg, answer(encodeBody({ answers: aRecords(200) }, Q)), TCP)
    const packet = decode(out)
    expect(packet.header.tc).toBe(0)
    expect(packet.answers).toHaveLength(200)
  })

  it('takes position-independent bodies after any question, and refuses a body built for another length', () => {
    const soa: WireRecord = {
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
    }
    const negative = encodeBody({ authorities: [soa] }, null)
    for (const name of ['nope.nines.test', 'a.b.c.nines.test']) {
      const { msg, q } = query({ name })
      const packet = decode(writeResponse(q, msg, { rcode: Rcode.NXDOMAIN, aa: true, body: negative }, UDP))
      expect(packet.authorities[0]).toMatchObject({
        name: 'nines.test',
        primary: 'ns1.nines.test',
        minimum: 5,
      })
    }
    const { msg, q } = query({ name: 'other.nines.test' })
    expect(() => writeResponse(q, msg, answer(encodeBody({ answers: aRecords(1) }, Q)), UDP)).toThrow(
      InvalidArgumentError,
    )
  })
})

describe('writeError', () => {
  it('BADVERS: header rcode 0, OPT extended rcode 1, version 0, DO echoed, question echoed', () => {
    const msg = encodeQuery({ id: 77, name: Q, edns: { version: 1, doBit: true } })
    const p = problem(msg)
    expect(p.problem).toBe('badvers')
    const out = writeError(msg, p, Rcode.BADVERS)!
    expect(out.readUInt16BE(2) & 0xf).toBe(0)
    const packet = decode(out)
    expect(packet.header).toMatchObject({ id: 77, qr: 1, rcode: Rcode.BADVERS, qdcount: 1, arcount: 1 })
    expect(packet.questions[0]?.name).toBe(Q)
    expect(packet.additionals[0]).toMatchObject({
      type: RRType.OPT,
      extendedRcode: 1,
      version: 0,
      doFlag: true,
      rdata: [],
    })
  })

  it('FORMERR echoes the question when it parsed, and carries an OPT when the query had one', () => {
    const badEcs = encodeQuery({ id: 3, name: Q, edns: { ecs: '192.0.2.0/24' } })
    badEcs[badEcs.length - 4] = 33 // source prefix 33
    const packet = decode(writeError(badEcs, problem(badEcs), Rcode.FORMERR))
    expect(packet.header).toMatchObject({ id: 3, rcode: Rcode.FORMERR, qdcount: 1, arcount: 1, rd: 1 })
    expect(packet.additionals[0]).toMatchObject({ type: RRType.OPT, rdata: [] })

    const twoQuestions = encodeQuery({ id: 4, name: Q })
    twoQuestions[5] = 2
    const bare = writeError(twoQuestions, problem(twoQuestions), Rcode.FORMERR)
    expect(bare).toHaveLength(12)
    expect(decode(bare).header).toMatchObject({ id: 4, qr: 1, rcode: Rcode.FORMERR, qdcount: 0, arcount: 0 })
  })

  it('NOTIMP echoes the opcode', () => {
    const msg = encodeQuery({ id: 8, name: Q })
    msg[2] = 0x11 // opcode 2, RD
    const packet = decode(writeError(msg, problem(msg), Rcode.NOTIMP))
    expect(packet.header).toMatchObject({ id: 8, qr: 1, opcode: 2, rcode: Rcode.NOTIMP, qdcount: 1 })
  })

  it('REFUSED for a parsed query echoes ECS with scope 0', () => {
    const { msg, q } = query({ id: 11, name: Q, edns: { ecs: '192.0.2.0/24' } })
    const packet = decode(writeError(msg, q, Rcode.REFUSED))
    expect(packet.header).toMatchObject({ id: 11, rcode: Rcode.REFUSED, aa: 0, ancount: 0 })
    expect(packet.additionals[0]?.rdata).toEqual([
      expect.objectContaining({ scopePrefixLength: 0, ip: '192.0.2.0' }),
    ])
  })

  it('turns an extended rcode into SERVFAIL when there is no OPT to carry it', () => {
    const { msg, q } = query({ name: Q })
    expect(decode(writeError(msg, q, Rcode.BADVERS)).header.rcode).toBe(Rcode.SERVFAIL)
  })

  it('returns null for messages to ignore', () => {
    const response = encodeQuery({ name: Q })
    response[2] = response[2]! | 0x80
    expect(writeError(response, problem(response), Rcode.FORMERR)).toBeNull()
    expect(writeError(Buffer.alloc(5), problem(Buffer.alloc(5)), Rcode.FORMERR)).toBeNull()
  })
})

describe('maxUdpPayloadSchema', () => {
  it('defaults to 1232 and bounds the value', () => {
    expect(maxUdpPayloadSchema.parse(undefined)).toBe(1232)
    expect(maxUdpPayloadSchema.parse(4096)).toBe(4096)
    for (const bad of [511, 4097, 1232.5, '1232'])
      expect(maxUdpPayloadSchema.safeParse(bad).success).toBe(false)
  })
})
