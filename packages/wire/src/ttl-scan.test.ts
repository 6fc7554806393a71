import { seededRng } from '@nines/core'
import { describe, expect, it } from 'vitest'
import { Rcode } from './constants.js'
import { BadMessageError, answerTtl, decodeMessage } from './message.js'
import { encodeQuery } from './query-builder.js'
import { isQueryProblem, parseQuery } from './query.js'
import { encodeBody, type BodySections } from './records.js'
import { writeResponse } from './response.js'
import { scanCacheTtl } from './ttl-scan.js'

const NAME = 'app.nines.test'
const soa = (ttlSec: number, minimum: number) => ({
  name: 'nines.test',
  type: 'SOA' as const,
  ttlSec,
  data: {
    mname: 'ns1.nines.test',
    rname: 'h.nines.test',
    serial: 1,
    refresh: 1,
    retry: 1,
    expire: 1,
    minimum,
  },
})

function reply(records: BodySections, rcode: number = Rcode.NOERROR): Buffer {
  const msg = encodeQuery({ id: 7, name: NAME, edns: { ecs: '203.0.113.9/24' } })
  const query = parseQuery(msg)
  if (isQueryProblem(query)) throw new Error(query.detail)
  const body = encodeBody(records, NAME)
  return writeResponse(query, msg, { rcode, aa: true, body }, { maxUdpPayload: 1232, transport: 'tcp' })
}

const replies: [string, Buffer, number | undefined][] = [
  [
    'answers: the lowest TTL',
    reply({
      answers: [
        { name: NAME, type: 'A', ttlSec: 30, data: '192.0.2.1' },
        { name: NAME, type: 'A', ttlSec: 20, data: '192.0.2.2' },
      ],
    }),
    20,
  ],
  [
    'a CNAME chain and TXT',
    reply({
      answers: [
        { name: NAME, type: 'CNAME', ttlSec: 3600, data: 'www.nines.test' },
        { name: 'www.nines.test', type: 'TXT', ttlSec: 90, data: ['a', 'b'] },
      ],
    }),
    90,
  ],
  ['NODATA: min(SOA TTL, minimum)', reply({ authorities: [soa(300, 60)] }), 60],
  ['NXDOMAIN: the SOA TTL when lower', reply({ authorities: [soa(45, 60)] }, Rcode.NXDOMAIN), 45],
  ['SERVFAIL: not to be cached', reply({}, Rcode.SERVFAIL), undefined],
  ['REFUSED with a SOA: not to be cached', reply({ authorities: [soa(300, 60)] }, Rcode.REFUSED), undefined],
  ['no answer and no SOA', reply({}), undefined],
]

describe('scanCacheTtl', () => {
  it.each(replies)('%s', (_, buf, expected) => {
    expect(scanCacheTtl(buf)).toBe(expected)
    const message = decodeMessage(buf)
    const decoded =
      message.rcode === Rcode.NOERROR || message.rcode === Rcode.NXDOMAIN ? answerTtl(message) : undefined
    expect(scanCacheTtl(buf)).toBe(decoded)
  })

  it('throws BadMessageError, never anything else, on any truncation or random corruption', () => {
    for (const [, good] of replies) {
      // Cut anywhere before the end of what it reads: the header, the question, an answer or the SOA.
      for (let end = 0; end < 12; end++)
        expect(() => scanCacheTtl(good.subarray(0, end))).toThrow(BadMessageError)
      const rng = seededRng(5)
      for (let i = 0; i < 2000; i++) {
        const bad = Buffer.from(good.subarray(0, Math.floor(rng.next() * good.length)))
        for (let k = 0; k < 3; k++) bad[Math.floor(rng.next() * bad.length)] = Math.floor(rng.next() * 256)
        try {
          const ttl = scanCacheTtl(bad)
          expect(ttl === undefined || (Number.isInteger(ttl) && ttl >= 0)).toBe(true)
        } catch (error) {
          expect(error).toBeInstanceOf(BadMessageError)
        }
      }
    }
  })
})
