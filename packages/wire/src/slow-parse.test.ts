import { Packet } from 'dns2'
import { describe, expect, it } from 'vitest'
import { RRClass, RRType } from './constants.js'
import { nameKeyOf } from './names.js'
import { encodeQuery } from './query-builder.js'
import { isQueryProblem, parseQuery } from './query.js'
import { slowParse } from './slow-parse.js'

const Q = 'app.nines.test'

/** `msg` with `records` appended and the header counts raised by `counts` (an, ns, ar). */
function append(msg: Buffer, counts: [number, number, number], ...records: Buffer[]): Buffer {
  const out = Buffer.concat([msg, ...records])
  counts.forEach((n, i) => out.writeUInt16BE(out.readUInt16BE(6 + 2 * i) + n, 6 + 2 * i))
  return out
}

/** An RR with the owner given as raw name bytes. */
function rr(owner: number[], type: number, cls: number, rdata: number[]): Buffer {
  const fixed = Buffer.alloc(10)
  fixed.writeUInt16BE(type, 0)
  fixed.writeUInt16BE(cls, 2)
  fixed.writeUInt16BE(rdata.length, 8)
  return Buffer.concat([Buffer.from(owner), fixed, Buffer.from(rdata)])
}

const opt = (...options: number[]) => rr([0], RRType.OPT, 1232, options)
const tsig = rr([3, 107, 101, 121, 0], RRType.TSIG, RRClass.ANY, [0xc0, 0x0c, 1, 2, 3])
const answerA = rr([0xc0, 0x0c], RRType.A, RRClass.IN, [192, 0, 2, 1])

describe('slowParse', () => {
  it('returns the fast-path result for ordinary messages', () => {
    const msg = encodeQuery({ id: 9, name: Q, edns: { ecs: '192.0.2.0/24' } })
    expect(slowParse(msg)).toEqual(parseQuery(msg))
    expect(slowParse(Buffer.alloc(3))).toMatchObject({ problem: 'ignore' })
  })

  it('reads OPT + TSIG, keeping ECS and the cookie', () => {
    const base = encodeQuery({
      id: 9,
      name: 'ApP.nines.test',
      edns: { ecs: '192.0.2.0/24', cookie: Buffer.alloc(8, 1), doBit: true },
    })
    const msg = append(base, [0, 0, 1], tsig)
    expect(parseQuery(msg)).toMatchObject({ problem: 'slow', detail: 'sections' })
    const q = slowParse(msg)
    expect(q).toMatchObject({
      id: 9,
      qname: Q,
      qnameKey: nameKeyOf(Q),
      qtype: RRType.A,
      qclass: RRClass.IN,
      questionEnd: 32,
      edns: { doBit: true, cookie: true, ecs: { address: '192.0.2.0', sourcePrefix: 24 } },
    })
  })

  it('reads queries with an answer record, or another class', () => {
    expect(slowParse(append(encodeQuery({ name: Q }), [1, 0, 0], answerA))).toMatchObject({
      qname: Q,
      edns: undefined,
    })
    const ch = slowParse(
      encodeQuery({ name: 'version.bind', type: RRType.TXT, qclass: RRClass.CH, edns: {} }),
    )
    expect(ch).toMatchObject({
      qname: 'version.bind',
      qclass: RRClass.CH,
      qtype: RRType.TXT,
      edns: { version: 0 },
    })
  })

  it.each([
    ['two OPT records', append(encodeQuery({ name: Q }), [0, 0, 2], opt(), opt()), 'opt-duplicate'],
    [
      'an OPT owned by a non-root name',
      append(encodeQuery({ name: Q }), [0, 0, 1], rr([0xc0, 0x0c], RRType.OPT, 512, [])),
      'opt-name',
    ],
    ['an OPT in the answer section', append(encodeQuery({ name: Q }), [1, 0, 0], opt()), 'opt-section'],
    ['a record cut short', append(encodeQuery({ name: Q }), [1, 0, 0], answerA.subarray(0, 12)), 'malformed'],
    [
      'a record dns2 rejects (A with 3 bytes)',
      append(encodeQuery({ name: Q }), [1, 0, 0], rr([0xc0, 0x0c], 1, 1, [1, 2, 3])),
      'malformed',
    ],
    [
      'a pointer loop',
      append(encodeQuery({ name: Q }), [1, 0, 0], rr([0xc0, 32], 1, 1, [1, 2, 3, 4])),
      'malformed',
    ],
    [
      'trailing bytes',
      Buffer.concat([append(encodeQuery({ name: Q }), [1, 0, 0], answerA), Buffer.from([0])]),
      'trailing-bytes',
    ],
    [
      'a bad ECS next to a TSIG',
      append(encodeQuery({ name: Q }), [0, 0, 2], opt(0, 8, 0, 4, 0, 1, 33, 0), tsig),
      'ecs-source-prefix',
    ],
  ])('%s is FORMERR', (_, msg, detail) => {
    const result = slowParse(msg)
    expect(result).toMatchObject({ problem: 'formerr', detail, question: { start: 12, end: 32 } })
    // dns2 alone would have handed most of these to a handler.
    if (detail !== 'malformed' && detail !== 'trailing-bytes') expect(Packet.parse(msg).errors).toEqual([])
  })

  it('an OPT of version 1 next to a TSIG is BADVERS', () => {
    const v1 = opt()
    v1[6] = 1
    expect(slowParse(append(encodeQuery({ name: Q }), [0, 0, 2], v1, tsig))).toMatchObject({
      problem: 'badvers',
    })
  })

  it('never returns a query for a message parseQuery rejected', () => {
    const msg = encodeQuery({ name: Q, edns: {} })
    msg[msg.length - 1] = 9 // RDLENGTH past the end
    const fast = parseQuery(msg)
    expect(isQueryProblem(fast) && fast.problem).toBe('formerr')
    expect(slowParse(msg)).toEqual(fast)
  })
})
