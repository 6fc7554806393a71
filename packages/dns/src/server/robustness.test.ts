import { seededRng, type Rng } from '@nines/core'
import { Packet } from 'dns2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RRType, encodeQuery } from '@nines/wire'
import { QueryCounters } from './counters.js'
import { createQueryHandler } from './handler.js'
import { DnsServer } from './server.js'
import { APP, APP_V4, framed, tcpExchange, testResolver, udpClient, udpQuery, until } from './testing.js'

const HOST = '127.0.0.1'
const int = (rng: Rng, n: number) => Math.floor(rng.next() * n)

/** A question whose name is `app` + a pointer back into itself, and a query with a compressed answer. */
function compressedSeeds(): Buffer[] {
  const header = (id: number, an: number) => {
    const h = Buffer.alloc(12)
    h.writeUInt16BE(id, 0)
    h.writeUInt16BE(0x0100, 2)
    h.writeUInt16BE(1, 4)
    h.writeUInt16BE(an, 6)
    return h
  }
  const question = Buffer.from([3, 0x61, 0x70, 0x70, 0xc0, 0x0c, 0, 1, 0, 1])
  const plain = encodeQuery({ id: 7, name: APP })
  const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 192, 0, 2, 1])
  return [Buffer.concat([header(6, 0), question]), Buffer.concat([header(7, 1), plain.subarray(12), answer])]
}

const seeds = [
  encodeQuery({
    id: 1,
    name: APP,
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
    name: 'big.nines.test',
    cd: true,
    edns: { ecs: '198.51.100.0/22', udpPayloadSize: 600 },
  }),
  encodeQuery({ id: 4, name: APP, type: RRType.TXT }),
  encodeQuery({ id: 5, name: 'boom.nines.test', edns: {} }),
  ...compressedSeeds(),
]

/** The mutations of the wire codec's fuzz test: bit flips, bytes, cuts, growth, counts, OPT lengths, noise. */
function mutate(rng: Rng, seed: Buffer): Buffer {
  const msg = Buffer.from(seed)
  switch (int(rng, 8)) {
    case 0:
      for (let k = 1 + int(rng, 4); k > 0; k--) msg[int(rng, msg.length)]! ^= 1 << int(rng, 8)
      return msg
    case 1:
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
    case 5:
      msg.writeUInt16BE(int(rng, 4), 4 + 2 * int(rng, 4))
      return msg
    case 6:
      if (msg.length > 34) msg.writeUInt16BE(int(rng, 64), 32 + int(rng, msg.length - 34))
      return msg
    default:
      return Buffer.from(Array.from({ length: int(rng, 80) }, () => int(rng, 256)))
  }
}

describe('hostile input over real sockets', () => {
  const resolver = testResolver()
  const counters = new QueryCounters()
  // Every client here is 127.0.0.1, 20 at a time: the per-source cap is not under test.
  const server = new DnsServer({
    handler: createQueryHandler({ resolver: () => resolver, counters }),
    tcp: { maxConnectionsPerSource: 256 },
  })
  let port = 0

  beforeAll(async () => {
    port = (await server.listen([`${HOST}:0`]))[0]!.port
  })
  afterAll(() => server.close())

  async function stillAnswers(): Promise<void> {
    const udp = await udpQuery(HOST, port, encodeQuery({ id: 4711, name: APP }))
    expect(udp).not.toBeNull()
    const packet = Packet.parse(udp!)
    expect(packet.header).toMatchObject({ id: 4711, qr: 1, aa: 1, rcode: 0 })
    expect((packet.answers[0] as { address?: string }).address).toBe(APP_V4)
    const { frames } = await tcpExchange(HOST, port, [framed(encodeQuery({ id: 4712, name: APP }))], {
      frames: 1,
    })
    expect(frames[0]?.readUInt16BE(0)).toBe(4712)
  }

  it('100,000 random and mutated UDP datagrams: every query gets one reply, none crashes', async () => {
    const rng = seededRng(20261123)
    const { socket, replies } = await udpClient(4)
    let bad = 0
    let replyCount = 0
    socket.removeAllListeners('message')
    socket.on('message', (msg: Buffer) => {
      replyCount++
      if (msg.length < 12 || (msg[2]! & 0x80) === 0) bad++
      // Decode a sample; the rest is counted (dns2's decoder is the slow part of this test).
      if (replyCount % 97 === 0) replies.push(msg)
    })
    const total = 100_000
    const batch = 500
    for (let sent = 0; sent < total;) {
      for (let i = 0; i < batch; i++, sent++)
        socket.send(mutate(rng, seeds[sent % seeds.length]!), port, HOST)
      await until(() => counters.udp >= sent, 20_000, `the server to read ${sent} datagrams`)
    }
    const answered = () => counters.udp - counters.dropped
    await until(() => replyCount >= answered(), 20_000, 'every reply')
    socket.close()

    expect(counters.udp).toBe(total)
    expect(replyCount).toBe(answered())
    expect(bad).toBe(0)
    for (const reply of replies) expect(Packet.parse(reply).header.qr).toBe(1)
    const snapshot = counters.snapshot()
    // The mutations reached every outcome, so each path above ran under load.
    expect(snapshot.dropped).toBeGreaterThan(1000)
    expect(snapshot.formerr).toBeGreaterThan(1000)
    expect(snapshot.responsesByRcode.NOERROR).toBeGreaterThan(1000)
    expect(snapshot.responsesByRcode.REFUSED).toBeGreaterThan(100)
    expect(snapshot.responsesByRcode.NOTIMP).toBeGreaterThan(10)
    expect(snapshot.responsesByRcode.BADVERS).toBeGreaterThan(10)
    expect(snapshot.internalErrors).toBe(snapshot.responsesByRcode.SERVFAIL)
    expect(snapshot.truncated).toBeGreaterThan(100)
    await stillAnswers()
  }, 60_000)

  it('partial, short, oversized and garbage TCP frames never crash it', async () => {
    const rng = seededRng(7)
    const query = framed(encodeQuery({ id: 99, name: APP }))
    // A frame cut short, then the client half-closes: dropped quietly, connection finished.
    expect(await tcpExchange(HOST, port, [query.subarray(0, 9)], { halfClose: true })).toEqual({
      frames: [],
      closed: true,
    })
    // A declared 65535-byte frame with only part of it sent before the close.
    const oversized = Buffer.concat([Buffer.from([0xff, 0xff]), Buffer.alloc(30_000, 0xab)])
    expect(await tcpExchange(HOST, port, [oversized], { halfClose: true })).toEqual({
      frames: [],
      closed: true,
    })
    // Lengths 0 and 1 end the connection.
    for (const bad of [Buffer.from([0, 0]), Buffer.from([0, 1, 7])]) {
      expect((await tcpExchange(HOST, port, [bad])).closed).toBe(true)
    }
    // Random garbage, some of it framed: whatever parses is answered, the rest is closed or dropped.
    for (let round = 0; round < 10; round++) {
      await Promise.all(
        Array.from({ length: 20 }, () => {
          const chunks = Array.from({ length: 1 + int(rng, 4) }, () =>
            rng.next() < 0.5
              ? framed(mutate(rng, seeds[int(rng, seeds.length)]!))
              : Buffer.from(Array.from({ length: int(rng, 300) }, () => int(rng, 256))),
          )
          return tcpExchange(HOST, port, chunks, { halfClose: true, timeoutMs: 15_000 })
        }),
      )
    }
    expect(server.counters.tcpBadFrames).toBeGreaterThan(2)
    await stillAnswers()
  }, 60_000)
})
