import { Packet, type Resource } from 'dns2'
import { describe, expect, it } from 'vitest'
import {
  answerMatches,
  encodeQuery,
  judgeReply,
  queryName,
  rcodeName,
  type DnsQuestion,
} from './dns-message.js'

const question: DnsQuestion = { id: 0x2a2a, name: 'up.nines.test', type: Packet.TYPE.A }

function reply(edit: (packet: Packet) => void): Buffer {
  const packet = Packet.createResponseFromRequest(Packet.parse(encodeQuery(question)))
  packet.answers.push(
    new Packet.Resource({
      name: 'up.nines.test',
      type: Packet.TYPE.A,
      class: Packet.CLASS.IN,
      ttl: 5,
      address: '192.0.2.1',
    }),
  )
  edit(packet)
  return packet.toBuffer()
}

const expectOk = { rcode: 'NOERROR', answer: undefined } as const

describe('encodeQuery', () => {
  it('asks one IN question with the given ID and recursion desired', () => {
    const packet = Packet.parse(encodeQuery(question))
    expect(packet.header).toMatchObject({ id: 0x2a2a, qr: 0, rd: 1, qdcount: 1 })
    expect(packet.questions).toEqual([{ name: 'up.nines.test', type: Packet.TYPE.A, class: Packet.CLASS.IN }])
  })
})

describe('queryName', () => {
  it.each([
    ['up.nines.test.', 'up.nines.test'],
    ['Up.Nines.Test', 'up.nines.test'],
    ['bücher.nines.test', 'xn--bcher-kva.nines.test'],
  ])('%s → %s', (name, ascii) => expect(queryName(name)).toBe(ascii))
})

describe('judgeReply', () => {
  it.each([
    ['a matching reply', reply(() => {}), 'udp', { kind: 'result', ok: true, detail: 'ok' }],
    ['another ID', reply((p) => (p.header.id = 7)), 'udp', { kind: 'ignore' }],
    ['too short for an ID', Buffer.from([0x2a]), 'udp', { kind: 'ignore' }],
    [
      'our ID on a non-DNS message',
      Buffer.from([0x2a, 0x2a, 1, 2, 3]),
      'udp',
      { kind: 'result', ok: false, detail: 'malformed reply' },
    ],
    [
      'our own query echoed',
      encodeQuery(question),
      'udp',
      { kind: 'result', ok: false, detail: 'malformed reply' },
    ],
    [
      'another question',
      reply((p) => (p.questions[0]!.name = 'other.test')),
      'udp',
      { kind: 'result', ok: false, detail: 'malformed reply' },
    ],
    [
      'another type',
      reply((p) => (p.questions[0]!.type = Packet.TYPE.AAAA)),
      'udp',
      { kind: 'result', ok: false, detail: 'malformed reply' },
    ],
    [
      'the name in another case',
      reply((p) => (p.questions[0]!.name = 'UP.Nines.TEST')),
      'udp',
      { kind: 'result', ok: true, detail: 'ok' },
    ],
    ['TC=1 over UDP', reply((p) => (p.header.tc = 1)), 'udp', { kind: 'truncated' }],
    ['TC=1 over TCP', reply((p) => (p.header.tc = 1)), 'tcp', { kind: 'result', ok: true, detail: 'ok' }],
    [
      'SERVFAIL',
      reply((p) => (p.header.rcode = Packet.RCODE.SERVFAIL)),
      'udp',
      { kind: 'result', ok: false, detail: 'rcode SERVFAIL' },
    ],
    [
      'REFUSED without a question',
      reply((p) => {
        p.header.rcode = Packet.RCODE.REFUSED
        p.questions = []
      }),
      'udp',
      { kind: 'result', ok: false, detail: 'rcode REFUSED' },
    ],
    [
      'NOERROR without a question',
      reply((p) => (p.questions = [])),
      'udp',
      { kind: 'result', ok: false, detail: 'malformed reply' },
    ],
  ] as const)('%s', (_, message, transport, verdict) => {
    expect(judgeReply(message, question, expectOk, transport)).toEqual(verdict)
  })

  it('checks the expected rcode and answer', () => {
    const nx = reply((p) => {
      p.header.rcode = Packet.RCODE.NXDOMAIN
      p.answers = []
    })
    expect(judgeReply(nx, question, { rcode: 'NXDOMAIN', answer: undefined }, 'udp')).toMatchObject({
      ok: true,
    })
    expect(judgeReply(nx, question, expectOk, 'udp')).toMatchObject({ ok: false, detail: 'rcode NXDOMAIN' })
    const ok = reply(() => {})
    expect(judgeReply(ok, question, { rcode: 'NOERROR', answer: '192.0.2.1' }, 'udp')).toMatchObject({
      ok: true,
    })
    expect(judgeReply(ok, question, { rcode: 'NOERROR', answer: '192.0.2.2' }, 'udp')).toMatchObject({
      ok: false,
      detail: 'answer mismatch',
    })
  })
})

describe('answerMatches', () => {
  const record = (fields: Partial<Resource>) =>
    new Packet.Resource({ name: 'x.test', class: 1, ttl: 1, ...fields })
  it.each([
    [record({ type: Packet.TYPE.A, address: '192.0.2.1' }), '192.0.2.1', true],
    [record({ type: Packet.TYPE.A, address: '192.0.2.1' }), '192.0.2.10', false],
    [record({ type: Packet.TYPE.AAAA, address: '2001:db8:0:0:0:0:0:1' }), '2001:DB8::1', true],
    [record({ type: Packet.TYPE.CNAME, domain: 'Target.Test' }), 'target.test.', true],
    [record({ type: Packet.TYPE.NS, ns: 'ns1.test' }), 'ns1.test', true],
    [record({ type: Packet.TYPE.MX, exchange: 'mx.test', priority: 10 }), 'mx.test', true],
    [
      record({ type: Packet.TYPE.SRV, target: 'edge.test', port: 443, weight: 1, priority: 1 }),
      'edge.test',
      true,
    ],
    [record({ type: Packet.TYPE.SOA, primary: 'ns1.test', admin: 'h.test' }), 'ns1.test', true],
    [record({ type: Packet.TYPE.TXT, data: ['v=1 ', 'ok'] }), 'v=1 ok', true],
    [record({ type: Packet.TYPE.TXT, data: ['V=1 OK'] }), 'v=1 ok', false],
  ])('%o equals %s: %s', (resource, expected, matches) => {
    expect(answerMatches(resource, expected)).toBe(matches)
  })
})

describe('rcodeName', () => {
  it.each([
    [0, 'NOERROR'],
    [2, 'SERVFAIL'],
    [3, 'NXDOMAIN'],
    [5, 'REFUSED'],
    [16, 'BADVERS'],
    [4000, '4000'],
  ])('%i → %s', (code, name) => expect(rcodeName(code)).toBe(name))
})
