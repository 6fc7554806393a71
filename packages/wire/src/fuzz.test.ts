import { seededRng, type Rng } from '@nines/core'
import { Packet } from 'dns2'
import { describe, expect, it } from 'vitest'
import { RRClass, RRType } from './constants.js'
import { nameKeyOf } from './names.js'
import { encodeQuery } from './query-builder.js'
import { isQueryProblem, parseQuery, type ParsedQuery, type QueryProblem } from './query.js'
import { encodeBody, type WireRecord } from './records.js'
import { rcodeForProblem, writeError, writeResponse, type ResponseLimits } from './response.js'
import { slowParse } from './slow-parse.js'

const Q = 'app.nines.test'
const KEY = nameKeyOf(Q)

const seeds = [
  encodeQuery({
    id: 1,
    name: Q,
    edns: { ecs: '203.0.113.0/24', cookie: Buffer.alloc(8, 1), doBit: true, udpPayloadSize: 4096 },
  }),
  encodeQuery({
    id: 2,
    name: 'ApP.NiNeS.TeSt',
    type: RRType.AAAA,
    edns: { ecs: '2001:db8:1234::/48', cookie: Buffer.alloc(24, 2) },
  }),
  encodeQuery({
    id: 3,
    name: 'x.nines.test',
    cd: true,
    edns: { ecs: '198.51.100.0/22', cookie: Buffer.alloc(8, 3), udpPayloadSize: 600 },
  }),
  encodeQuery({ id: 4, name: Q, type: RRType.TXT }),
  // OPT + a TSIG-shaped record: the slow path.
  (() => {
    const msg = encodeQuery({ id: 5, name: Q, edns: { ecs: '192.0.2.0/24', cookie: Buffer.alloc(8, 5) } })
    const tsig = Buffer.from([0, 0, 250, 0, 255, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4])
    const out = Buffer.concat([msg, tsig])
    out.writeUInt16BE(2, 10)
    return out
  })(),
]

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
const bodies = {
  small: encodeBody(
    {
      answers: [
        { name: Q, type: 'CNAME', ttlSec: 30, data: 'edge.nines.test' },
        { name: 'edge.nines.test', type: 'A', ttlSec: 30, data: '192.0.2.1' },
      ],
      authorities: [soa],
    },
    Q,
  ),
  large: encodeBody(
    {
      answers: Array.from({ length: 34 }, (_, i): WireRecord => ({
        name: Q,
        type: 'A',
        ttlSec: 30,
        data: `10.0.0.${i}`,
      })),
    },
    Q,
  ),
  negative: encodeBody({ authorities: [soa] }, null),
}

const int = (rng: Rng, n: number) => Math.floor(rng.next() * n)

function mutate(rng: Rng, seed: Buffer): Buffer {
  const msg = Buffer.from(seed)
  switch (int(rng, 8)) {
    case 0: // bit flips
      for (let k = 1 + int(rng, 4); k > 0; k--) msg[int(rng, msg.length)]! ^= 1 << int(rng, 8)
      return msg
    case 1: // random bytes
      for (let k = 1 + int(rng, 3); k > 0; k--) msg[int(rng, msg.length)] = int(rng, 256)
      return msg
    case 2:
      return msg.subarray(0, int(rng, msg.length))
    case 3:
      return Buffer.concat([msg, Buffer.from(Array.from({ length: 1 + int(rng, 20) }, () => int(rng, 256)))])
    case 4: {
      const at = int(rng, msg.length)
      return Buffer.concat([
        msg.subarray(0, at),
        Buffer.from([int(rng, 256)]),
        msg.subarray(at + int(rng, 2)),
      ])
    }
    case 5: // header counts
      msg.writeUInt16BE(int(rng, 4), 4 + 2 * int(rng, 4))
      return msg
    case 6: // a length field in the OPT area
      if (msg.length > 34) msg.writeUInt16BE(int(rng, 64), 32 + int(rng, msg.length - 34))
      return msg
    default:
      return Buffer.from(Array.from({ length: int(rng, 80) }, () => int(rng, 256)))
  }
}

/** dns2 reads odd-length IPv6 ECS addresses one byte too far (see response.test.ts); pad for it. */
function decode(out: Buffer, q: ParsedQuery | QueryProblem): Packet {
  const ecs = isQueryProblem(q) ? undefined : q.edns?.ecs
  const oddV6 = ecs?.family === 2 && ((ecs.sourcePrefix + 7) >> 3) % 2 === 1
  const packet = Packet.parse(oddV6 ? Buffer.concat([out, Buffer.alloc(1)]) : out)
  expect(packet.errors).toEqual([])
  return packet
}

describe('hostile input', () => {
  it('20,000 mutated EDNS+ECS+COOKIE queries: no throw, every output decodes with dns2', () => {
    const rng = seededRng(20261122)
    const seen = new Map<string, number>()
    for (let n = 0; n < 20_000; n++) {
      const msg = mutate(rng, seeds[n % seeds.length]!)
      let result = parseQuery(msg)
      if (isQueryProblem(result) && result.problem === 'slow') {
        result = slowParse(msg)
        expect(isQueryProblem(result) && result.problem === 'slow').toBe(false)
      }
      const kind = isQueryProblem(result) ? result.problem : 'query'
      seen.set(kind, (seen.get(kind) ?? 0) + 1)
      if (isQueryProblem(result)) {
        const out = writeError(msg, result, rcodeForProblem(result) ?? 0)
        if (result.problem === 'ignore') {
          expect(out).toBeNull()
          continue
        }
        const packet = decode(out!, result)
        expect(packet.header).toMatchObject({
          qr: 1,
          id: msg.readUInt16BE(0),
          qdcount: result.question ? 1 : 0,
        })
        continue
      }
      const q = result
      const limits: ResponseLimits = { maxUdpPayload: 1232, transport: rng.next() < 0.2 ? 'tcp' : 'udp' }
      const body = q.qnameKey === KEY ? (rng.next() < 0.9 ? bodies.small : bodies.large) : bodies.negative
      const out = writeResponse(q, msg, { rcode: 0, aa: true, body, ecsScope: int(rng, 140) }, limits)
      const packet = decode(out, q)
      expect(packet.header).toMatchObject({ qr: 1, id: q.id, qdcount: 1 })
      expect(packet.questions[0]?.type).toBe(q.qtype)
      if (limits.transport === 'udp') {
        const budget = q.edns ? Math.max(512, Math.min(q.edns.udpPayloadSize, 1232)) : 512
        expect(out.length).toBeLessThanOrEqual(budget)
        expect(packet.header.tc === 1).toBe(out.length < q.questionEnd + body.bytes.length)
      }
      decode(writeError(msg, q, 5)!, q)
    }
    // The mutations reached every outcome, so the assertions above ran on all of them.
    for (const kind of ['query', 'ignore', 'formerr', 'notimp', 'badvers'])
      expect(seen.get(kind) ?? 0).toBeGreaterThan(20)
    expect(seen.get('query')!).toBeGreaterThan(2000)
    // dns2's bit-at-a-time decoder dominates; the bound only stops a hang on a loaded machine.
  }, 120_000)

  it('the slow path copes with classes and sections the fast path sends it', () => {
    const msg = encodeQuery({ name: Q, qclass: RRClass.ANY })
    expect(parseQuery(msg)).toMatchObject({ problem: 'slow' })
    expect(slowParse(msg)).toMatchObject({ qclass: RRClass.ANY, qname: Q })
  })
})
