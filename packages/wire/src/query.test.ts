import { Packet } from 'dns2'
import { describe, expect, it } from 'vitest'
import { RRClass, RRType } from './constants.js'
import { nameKeyOf } from './names.js'
import { encodeQuery } from './query-builder.js'
import { isQueryProblem, parseQuery, type ParsedQuery, type QueryProblem } from './query.js'

const Q = 'app.nines.test'
const QNAME_END = 12 + 16
const OPT_AT = QNAME_END + 4
const RDLENGTH_AT = OPT_AT + 9

function parsed(msg: Buffer): ParsedQuery {
  const result = parseQuery(msg)
  if (isQueryProblem(result)) throw new Error(`expected a query, got ${result.problem} (${result.detail})`)
  return result
}

function problem(msg: Buffer): QueryProblem {
  const result = parseQuery(msg)
  if (!isQueryProblem(result)) throw new Error(`expected a problem, got a query for ${result.qname}`)
  return result
}

/** A copy of `msg` with `bytes` written at `offset`. */
function patch(msg: Buffer, offset: number, ...bytes: number[]): Buffer {
  const out = Buffer.from(msg)
  out.set(bytes, offset)
  return out
}

/** A query for Q whose OPT carries exactly `options` (raw option bytes). */
function withOptions(...options: number[][]): Buffer {
  const base = encodeQuery({ id: 1, name: Q, edns: {} })
  const rdata = Buffer.from(options.flat())
  const out = Buffer.concat([base, rdata])
  out.writeUInt16BE(rdata.length, RDLENGTH_AT)
  return out
}

const ecsOption = (family: number, source: number, scope: number, ...address: number[]) => [
  0,
  8,
  0,
  4 + address.length,
  0,
  family,
  source,
  scope,
  ...address,
]

describe('parseQuery on well-formed queries', () => {
  it('reads a dns2-encoded query with EDNS and ECS', () => {
    const packet = new Packet()
    packet.header.id = 0xbeef
    packet.header.rd = 1
    Object.assign(packet.header, { cd: 1 })
    packet.questions.push(new Packet.Question('ApP.NiNeS.TeSt', Packet.TYPE.AAAA, Packet.CLASS.IN))
    packet.additionals.push(
      Packet.Resource.EDNS([Packet.Resource.EDNS.ECS('203.0.113.0/24')], {
        udpPayloadSize: 4096,
        doFlag: true,
      }),
    )
    const msg = packet.toBuffer()
    const q = parsed(msg)
    expect(q).toMatchObject({
      id: 0xbeef,
      rd: true,
      cd: true,
      opcode: 0,
      qname: Q,
      qnameKey: nameKeyOf(Q),
      qnameStart: 12,
      qnameEnd: QNAME_END,
      qtype: RRType.AAAA,
      qclass: RRClass.IN,
      questionEnd: QNAME_END + 4,
      edns: { version: 0, udpPayloadSize: 4096, doBit: true, cookie: false },
    })
    expect(q.flags).toBe(msg.readUInt16BE(2))
    expect(q.edns?.ecs).toMatchObject({ family: 1, sourcePrefix: 24, scopePrefix: 0, address: '203.0.113.0' })
    expect(msg.readUInt16BE(q.edns!.ecs!.dataOffset)).toBe(1)
  })

  it('reads IPv6 ECS, COOKIE and skips unknown options', () => {
    const cookie = Buffer.from('0102030405060708', 'hex')
    const q = parsed(encodeQuery({ name: Q, edns: { ecs: '2001:db8:1234:5678::/56', cookie, doBit: false } }))
    expect(q.edns).toMatchObject({ cookie: true, doBit: false })
    expect(q.edns?.ecs).toMatchObject({ family: 2, sourcePrefix: 56, address: '2001:db8:1234:5600::' })
    const padded = withOptions([0, 12, 0, 3, 0, 0, 0], ecsOption(1, 0, 0), [
      0,
      10,
      0,
      16,
      ...Array(16).fill(7),
    ])
    expect(parsed(padded).edns).toMatchObject({ cookie: true, ecs: { sourcePrefix: 0, address: '0.0.0.0' } })
  })

  it('accepts cookies of 8 and 16..40 bytes', () => {
    for (const length of [8, 16, 24, 40]) {
      expect(parsed(withOptions([0, 10, 0, length, ...Array(length).fill(1)])).edns?.cookie).toBe(true)
    }
  })

  it('reads a query without EDNS, the root, and odd bytes in labels', () => {
    const plain = parsed(encodeQuery({ id: 7, name: Q, type: RRType.TXT, rd: false }))
    expect(plain).toMatchObject({ id: 7, rd: false, cd: false, qtype: RRType.TXT, edns: undefined })
    expect(parsed(encodeQuery({ name: '.', type: RRType.SOA })).qname).toBe('.')
    const odd = Buffer.concat([
      encodeQuery({ name: 'x' }).subarray(0, 12),
      Buffer.from([3, 0x41, 0x2e, 0xc0, 0, 0, 1, 0, 1]),
    ])
    expect(parsed(odd)).toMatchObject({ qname: 'a\\.\\192', qnameKey: '\u0003a.\u00c0\u0000' })
  })
})

describe('parseQuery problems', () => {
  const base = encodeQuery({
    id: 0x4242,
    name: Q,
    edns: { ecs: '198.51.100.0/24', cookie: Buffer.alloc(8, 9) },
  })
  const noEdns = encodeQuery({ id: 0x4242, name: Q })

  it.each([
    ['an empty packet', Buffer.alloc(0)],
    ['1 byte', Buffer.alloc(1)],
    ['11 bytes', base.subarray(0, 11)],
    ['a response (QR=1)', patch(base, 2, 0x81)],
  ])('%s is ignored', (_, msg) => {
    expect(problem(msg).problem).toBe('ignore')
  })

  it('opcode 2 (STATUS) is NOTIMP, with the question when it parses', () => {
    expect(problem(patch(base, 2, 0x11))).toMatchObject({
      problem: 'notimp',
      detail: 'opcode',
      id: 0x4242,
      question: { start: 12, end: QNAME_END + 4 },
    })
    const noQuestion = problem(patch(base, 2, 0x21, 0, 0, 0))
    expect(noQuestion).toMatchObject({ problem: 'notimp' })
    expect(noQuestion.question).toBeUndefined()
  })

  it.each([
    ['qdcount 0', patch(base, 4, 0, 0), 'qdcount'],
    ['qdcount 2', patch(base, 4, 0, 2), 'qdcount'],
    [
      'a compressed qname',
      Buffer.concat([base.subarray(0, 12), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]),
      'qname',
    ],
    ['a label longer than 63', patch(noEdns, 12, 64), 'qname'],
    ['a name running past the end', noEdns.subarray(0, 20), 'qname'],
    ['a question without its class', noEdns.subarray(0, QNAME_END + 2), 'question-truncated'],
    ['trailing bytes without EDNS', Buffer.concat([noEdns, Buffer.from([0])]), 'trailing-bytes'],
    ['trailing bytes after the OPT', Buffer.concat([base, Buffer.from([0])]), 'trailing-bytes'],
    ['an OPT cut short', base.subarray(0, OPT_AT + 6), 'additional-truncated'],
  ])('%s is FORMERR', (_, msg, detail) => {
    expect(problem(msg)).toMatchObject({ problem: 'formerr', detail, id: 0x4242 })
  })

  it.each([
    ['RDLENGTH past the end', patch(base, RDLENGTH_AT, 0x01, 0x00), 'opt-rdlength'],
    ['options not filling RDLENGTH', withOptions([0, 12, 0]), 'opt-option-truncated'],
    ['an option longer than RDLENGTH', withOptions([0, 12, 0, 9, 0, 0]), 'opt-option-length'],
    ['ECS shorter than 4 bytes', withOptions([0, 8, 0, 2, 0, 1]), 'ecs-length'],
    ['ECS family 3', withOptions(ecsOption(3, 0, 0)), 'ecs-family'],
    ['ECS v4 prefix 33', withOptions(ecsOption(1, 33, 0, 1, 2, 3, 4, 5)), 'ecs-source-prefix'],
    ['ECS v6 prefix 129', withOptions(ecsOption(2, 129, 0, ...Array(17).fill(0))), 'ecs-source-prefix'],
    ['ECS scope in a query', withOptions(ecsOption(1, 24, 24, 10, 0, 0)), 'ecs-scope-prefix'],
    ['ECS with too many address bytes', withOptions(ecsOption(1, 24, 0, 10, 0, 0, 0)), 'ecs-address-length'],
    ['ECS with too few address bytes', withOptions(ecsOption(1, 24, 0, 10, 0)), 'ecs-address-length'],
    ['ECS with bits past the prefix', withOptions(ecsOption(1, 20, 0, 10, 0, 0x18)), 'ecs-address-bits'],
    ['two ECS options', withOptions(ecsOption(1, 8, 0, 10), ecsOption(1, 8, 0, 10)), 'ecs-duplicate'],
    ['a 7-byte cookie', withOptions([0, 10, 0, 7, ...Array(7).fill(1)]), 'cookie-length'],
    ['a 9-byte cookie', withOptions([0, 10, 0, 9, ...Array(9).fill(1)]), 'cookie-length'],
    ['a 41-byte cookie', withOptions([0, 10, 0, 41, ...Array(41).fill(1)]), 'cookie-length'],
  ])('%s is FORMERR and keeps the OPT for the answer', (_, msg, detail) => {
    const p = problem(msg)
    expect(p).toMatchObject({ problem: 'formerr', detail, question: { start: 12, end: QNAME_END + 4 } })
    expect(p.edns).toMatchObject({ version: 0, udpPayloadSize: 1232 })
    expect(p.edns?.ecs).toBeUndefined()
  })

  it('accepts an ECS prefix whose spare bits are zero', () => {
    expect(parsed(withOptions(ecsOption(1, 20, 0, 10, 0, 0x10))).edns?.ecs?.address).toBe('10.0.16.0')
  })

  it('EDNS version 1 is BADVERS, before its options are read', () => {
    const v1 = patch(withOptions([0, 8, 0, 1, 0]), OPT_AT + 6, 1)
    expect(problem(v1)).toMatchObject({
      problem: 'badvers',
      detail: 'edns-version',
      edns: { version: 1, doBit: false },
    })
  })

  it.each([
    ['an answer record', patch(noEdns, 6, 0, 1), 'sections'],
    ['an authority record', patch(noEdns, 8, 0, 1), 'sections'],
    ['two additional records', patch(base, 10, 0, 2), 'sections'],
    [
      'a non-OPT additional (TSIG)',
      Buffer.concat([patch(noEdns, 10, 0, 1), Buffer.from([0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 0])]),
      'additional',
    ],
    ['class CH', encodeQuery({ name: 'version.bind', type: RRType.TXT, qclass: RRClass.CH }), 'qclass'],
    ['class ANY', encodeQuery({ name: Q, qclass: RRClass.ANY, edns: {} }), 'qclass'],
  ])('%s goes to the slow path', (_, msg, detail) => {
    expect(problem(msg)).toMatchObject({ problem: 'slow', detail, question: { start: 12 } })
  })
})
