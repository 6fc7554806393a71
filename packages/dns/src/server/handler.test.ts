import type { Logger } from '@nines/core'
import { Packet } from 'dns2'
import { describe, expect, it } from 'vitest'
import { Rcode, RRClass, RRType, encodeQuery, type Answer } from '@nines/wire'
import { QueryCounters } from './counters.js'
import { createQueryHandler, type QueryHandlerOptions, type QuerySample } from './handler.js'
import { APP, APP_V4, BIG, BIG_COUNT, BOOM, testResolver } from './testing.js'
import type { QueryClient, Resolver } from './types.js'

const client: QueryClient = { address: '192.0.2.99', family: 4, port: 40000 }

function setup(options: Partial<QueryHandlerOptions> = {}) {
  const resolver = testResolver()
  const counters = new QueryCounters()
  const handler = createQueryHandler({ resolver: () => resolver, counters, timeEvery: 1, ...options })
  return { resolver, counters, handler }
}

/** The rcode including the extended bits an OPT carries (RFC 6891 §6.1.3). */
function rcodeOf(reply: Buffer): number {
  const packet = Packet.parse(reply)
  const opt = packet.additionals.find((r) => r.type === RRType.OPT) as { ttl?: number } | undefined
  return ((((opt?.ttl ?? 0) >>> 24) & 0xff) << 4) | (reply[3]! & 0xf)
}

describe('createQueryHandler', () => {
  it('answers a query from the resolver: ID echoed, AA set, the question casing kept', () => {
    const { handler, counters } = setup()
    const reply = handler(encodeQuery({ id: 4242, name: 'ApP.NiNeS.TeSt' }), client, 'udp')!
    const packet = Packet.parse(reply)
    expect(packet.header).toMatchObject({ id: 4242, qr: 1, aa: 1, rcode: Rcode.NOERROR })
    expect(packet.questions[0]?.name).toBe('ApP.NiNeS.TeSt')
    expect(packet.answers.map((r) => (r as { address?: string }).address)).toEqual([APP_V4])
    expect(counters.snapshot()).toMatchObject({
      queriesByQtype: { A: 1, AAAA: 0 },
      responsesByRcode: { NOERROR: 1 },
      queriesByTransport: { udp: 1, tcp: 0 },
    })
  })

  it('reads the resolver at every query, so a swap takes effect at once', () => {
    const counters = new QueryCounters()
    const refusing: Resolver = {
      resolve: (): Answer => ({ rcode: Rcode.REFUSED, aa: false, body: testBody() }),
    }
    let current: Resolver = refusing
    const handler = createQueryHandler({ resolver: () => current, counters })
    const query = encodeQuery({ name: APP })
    expect(rcodeOf(handler(query, client, 'udp')!)).toBe(Rcode.REFUSED)
    current = testResolver()
    expect(rcodeOf(handler(query, client, 'udp')!)).toBe(Rcode.NOERROR)
  })

  it.each([
    ['a response (QR=1)', responseBit(encodeQuery({ name: APP }))],
    ['a runt shorter than a header', Buffer.from([1, 2, 3])],
    ['an empty datagram', Buffer.alloc(0)],
  ])('never answers %s', (_, msg) => {
    const { handler, counters, resolver } = setup()
    expect(handler(msg, client, 'udp')).toBeNull()
    expect(counters.dropped).toBe(1)
    expect(resolver.calls).toBe(0)
  })

  it.each([
    ['trailing bytes', Buffer.concat([encodeQuery({ name: APP }), Buffer.from([0])]), Rcode.FORMERR],
    ['an opcode other than QUERY', withOpcode(encodeQuery({ name: APP }), 2), Rcode.NOTIMP],
    ['EDNS version 1', encodeQuery({ name: APP, edns: { version: 1 } }), Rcode.BADVERS],
    ['a malformed ECS option', badEcs(), Rcode.FORMERR],
  ])('answers %s with the right error', (_, msg, rcode) => {
    const { handler, counters, resolver } = setup()
    const reply = handler(msg, client, 'udp')!
    expect(reply.readUInt16BE(0)).toBe(msg.readUInt16BE(0))
    expect(rcodeOf(reply)).toBe(rcode)
    expect(resolver.calls).toBe(0)
    expect(counters.formerr).toBe(rcode === Rcode.FORMERR ? 1 : 0)
    expect(counters.byRcode[rcode]).toBe(1)
  })

  it('sends unusual shapes through the dns2 fallback to the resolver', () => {
    const { handler, resolver } = setup()
    const reply = handler(encodeQuery({ name: APP, qclass: RRClass.ANY }), client, 'tcp')!
    expect(resolver.calls).toBe(1)
    expect(Packet.parse(reply).header.qr).toBe(1)
  })

  it('answers SERVFAIL when the resolver throws, counts it and logs at most once per 10 s', () => {
    const errors: object[] = []
    const logger: Logger = { debug() {}, info() {}, warn() {}, error: (fields) => errors.push(fields) }
    const { handler, counters } = setup({ logger })
    for (let i = 0; i < 3; i++) {
      const reply = handler(encodeQuery({ id: i, name: BOOM }), client, 'udp')!
      expect(reply.readUInt16BE(0)).toBe(i)
      expect(rcodeOf(reply)).toBe(Rcode.SERVFAIL)
    }
    expect(counters.internalErrors).toBe(3)
    expect(counters.snapshot().responsesByRcode.SERVFAIL).toBe(3)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ qname: BOOM, suppressed: 0 })
  })

  it('truncates a large answer over UDP only, and counts it', () => {
    const { handler, counters } = setup()
    const query = encodeQuery({ name: BIG, edns: { udpPayloadSize: 4096 } })
    const udp = Packet.parse(handler(query, client, 'udp')!)
    expect(udp.header.tc).toBe(1)
    expect(udp.answers).toHaveLength(0)
    const tcp = Packet.parse(handler(query, client, 'tcp')!)
    expect(tcp.header.tc).toBe(0)
    expect(tcp.answers).toHaveLength(BIG_COUNT)
    expect(counters.snapshot()).toMatchObject({ truncated: 1, queriesByTransport: { udp: 1, tcp: 1 } })
  })

  it('respects maxUdpPayload: an answer that fits the client but not us is truncated', () => {
    const query = encodeQuery({ name: BIG, edns: { udpPayloadSize: 4096 } })
    expect(Packet.parse(setup({ maxUdpPayload: 4096 }).handler(query, client, 'udp')!).header.tc).toBe(0)
    expect(Packet.parse(setup({ maxUdpPayload: 1232 }).handler(query, client, 'udp')!).header.tc).toBe(1)
  })

  it('counts queries by qtype bucket', () => {
    const { handler, counters } = setup()
    const types = [RRType.A, RRType.AAAA, RRType.AAAA, RRType.SRV, RRType.CAA, RRType.ANY, RRType.PTR, 65_000]
    for (const type of types) handler(encodeQuery({ name: APP, type }), client, 'udp')
    expect(counters.snapshot().queriesByQtype).toEqual({
      A: 1,
      AAAA: 2,
      SRV: 1,
      NS: 0,
      SOA: 0,
      TXT: 0,
      CNAME: 0,
      MX: 0,
      CAA: 1,
      ANY: 1,
      other: 2,
    })
  })

  it('times every Nth query and weights it N, so the histogram count follows the query count', () => {
    const { handler, counters } = setup({ timeEvery: 4 })
    for (let i = 0; i < 40; i++) handler(encodeQuery({ name: APP }), client, 'udp')
    const { latency } = counters.snapshot()
    expect(latency.counts.reduce((sum, n) => sum + n, 0)).toBe(40)
    expect(latency.counts).toHaveLength(latency.bounds.length + 1)
    expect(latency.sum).toBeGreaterThan(0)
  })

  it('reports every sampleEvery-th message to onQuery, with a copy of the client', () => {
    const samples: QuerySample[] = []
    const { handler } = setup({ onQuery: (sample) => samples.push(sample), sampleEvery: 2 })
    handler(encodeQuery({ id: 1, name: APP }), client, 'udp')
    handler(encodeQuery({ id: 2, name: APP, edns: { ecs: '203.0.113.0/24' } }), client, 'tcp')
    handler(encodeQuery({ id: 3, name: APP }), client, 'udp')
    handler(responseBit(encodeQuery({ id: 4, name: APP })), client, 'udp')
    expect(samples).toEqual([
      {
        transport: 'tcp',
        client,
        id: 2,
        qname: APP,
        qtype: RRType.A,
        ecs: '203.0.113.0/24',
        rcode: 0,
        detail: null,
        responseBytes: expect.any(Number),
        truncated: false,
      },
      expect.objectContaining({ id: 4, qname: null, rcode: null, detail: 'response', responseBytes: 0 }),
    ])
    expect(samples[0]!.client).not.toBe(client)
  })

  it('survives an onQuery hook that throws', () => {
    const { handler } = setup({
      onQuery: () => {
        throw new Error('log hook')
      },
    })
    expect(handler(encodeQuery({ name: APP }), client, 'udp')).not.toBeNull()
  })
})

describe('QueryCounters', () => {
  it('adds a snapshot (a worker report) into totals', () => {
    const { handler, counters } = setup()
    handler(encodeQuery({ name: APP }), client, 'udp')
    handler(encodeQuery({ name: 'elsewhere.test' }), client, 'tcp')
    const total = new QueryCounters()
    total.add(counters.snapshot())
    total.add(counters.snapshot())
    expect(total.snapshot()).toMatchObject({
      queriesByQtype: { A: 4 },
      responsesByRcode: { NOERROR: 2, REFUSED: 2 },
      queriesByTransport: { udp: 2, tcp: 2 },
    })
    expect(total.snapshot().latency.counts).toEqual(counters.snapshot().latency.counts.map((n) => 2 * n))
  })

  it('counts rcodes above 23 as other', () => {
    const counters = new QueryCounters()
    counters.countRcode(3841)
    counters.countRcode(16)
    expect(counters.snapshot().responsesByRcode).toMatchObject({ other: 1, BADVERS: 1 })
  })
})

function testBody(): Answer['body'] {
  return { bytes: Buffer.alloc(0), ancount: 0, nscount: 0, arcount: 0, bodyOffset: null }
}

function responseBit(msg: Buffer): Buffer {
  msg[2] = msg[2]! | 0x80
  return msg
}

function withOpcode(msg: Buffer, opcode: number): Buffer {
  msg[2] = (msg[2]! & 0x87) | (opcode << 3)
  return msg
}

/** An ECS option whose scope prefix is not 0 (RFC 7871 §6: FORMERR). */
function badEcs(): Buffer {
  const msg = encodeQuery({ name: APP, edns: { ecs: '203.0.113.0/24' } })
  // ... OPT rdata: code(2) length(2) family(2) source(1) scope(1) address(3)
  msg[msg.length - 4] = 24
  return msg
}
