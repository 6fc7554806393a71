import { seededRng } from '@nines/core'
import { Packet } from 'dns2'
import { describe, expect, it } from 'vitest'
import { RRType, Rcode } from './constants.js'
import { BadMessageError, answerTtl, decodeMessage } from './message.js'
import { encodeQuery } from './query-builder.js'
import { isQueryProblem, parseQuery } from './query.js'
import { encodeBody, type BodySections } from './records.js'
import { writeError, writeResponse } from './response.js'

const NAME = 'app.nines.test'

function reply(records: BodySections, edns = true): Buffer {
  const msg = encodeQuery({ id: 7, name: NAME, edns: edns ? { ecs: '203.0.113.9/24' } : undefined })
  const query = parseQuery(msg)
  if (isQueryProblem(query)) throw new Error(query.detail)
  const body = encodeBody(records, NAME)
  return writeResponse(
    query,
    msg,
    { rcode: Rcode.NOERROR, aa: true, body },
    { maxUdpPayload: 1232, transport: 'tcp' },
  )
}

describe('decodeMessage', () => {
  it('reads what the server writes: header, question, records, ECS', () => {
    const message = decodeMessage(
      reply({
        answers: [
          { name: NAME, type: 'A', ttlSec: 30, data: '192.0.2.1' },
          { name: NAME, type: 'A', ttlSec: 20, data: '192.0.2.2' },
        ],
      }),
    )
    expect(message).toMatchObject({ id: 7, qr: true, aa: true, tc: false, rcode: 0 })
    expect(message.question).toEqual([{ name: NAME, type: RRType.A, class: 1 }])
    expect(message.answers.map((r) => [r.name, r.type, r.ttl, r.data])).toEqual([
      [NAME, RRType.A, 30, '192.0.2.1'],
      [NAME, RRType.A, 20, '192.0.2.2'],
    ])
    expect(message.edns?.ecs).toEqual({ address: '203.0.113.0', sourcePrefix: 24, scopePrefix: 0 })
    expect(answerTtl(message)).toBe(20)
  })

  it('agrees with dns2 on a message dns2 encodes', () => {
    const packet = new Packet()
    packet.header.id = 9
    packet.header.qr = 1
    packet.questions.push({ name: NAME, type: Packet.TYPE.MX, class: 1 } as never)
    packet.answers.push({
      name: NAME,
      type: Packet.TYPE.MX,
      class: 1,
      ttl: 60,
      priority: 10,
      exchange: 'mx.nines.test',
    } as never)
    packet.answers.push({ name: NAME, type: Packet.TYPE.TXT, class: 1, ttl: 60, data: 'hello' } as never)
    const message = decodeMessage(packet.toBuffer())
    expect(message.answers.map((r) => r.data)).toEqual(['10 mx.nines.test', '"hello"'])
  })

  it('reads the extended rcode from the OPT record (BADVERS is 16)', () => {
    const msg = encodeQuery({ id: 3, name: NAME, edns: { version: 1 } })
    const problem = parseQuery(msg)
    expect(isQueryProblem(problem)).toBe(true)
    const out = writeError(msg, problem as never, Rcode.BADVERS, { maxUdpPayload: 1232, transport: 'udp' })!
    expect(decodeMessage(out).rcode).toBe(Rcode.BADVERS)
  })

  it('takes the negative TTL from the SOA (the lower of TTL and MINIMUM)', () => {
    const message = decodeMessage(
      reply({
        authorities: [
          {
            name: 'nines.test',
            type: 'SOA',
            ttlSec: 300,
            data: {
              mname: 'ns1.nines.test',
              rname: 'h.nines.test',
              serial: 1,
              refresh: 1,
              retry: 1,
              expire: 1,
              minimum: 60,
            },
          },
        ],
      }),
    )
    expect(answerTtl(message)).toBe(60)
  })

  it('throws BadMessageError, never anything else, on any truncation or random corruption', () => {
    const good = reply({ answers: [{ name: NAME, type: 'TXT', ttlSec: 30, data: ['a', 'b'] }] })
    for (let end = 0; end < good.length; end++) {
      expect(() => decodeMessage(good.subarray(0, end))).toThrow(BadMessageError)
    }
    const rng = seededRng(11)
    for (let i = 0; i < 5000; i++) {
      const bad = Buffer.from(good)
      for (let k = 0; k < 3; k++) bad[Math.floor(rng.next() * bad.length)] = Math.floor(rng.next() * 256)
      try {
        decodeMessage(bad)
      } catch (error) {
        expect(error).toBeInstanceOf(BadMessageError)
      }
    }
  })

  it('refuses a compression loop with a clear message', () => {
    const loop = Buffer.from([0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1])
    expect(() => decodeMessage(loop)).toThrow(/loops/)
  })
})
