import { connect, type Socket } from 'node:net'
import { Packet } from 'dns2'
import { afterEach, describe, expect, it } from 'vitest'
import { RRType, encodeQuery } from '@nines/wire'
import { QueryCounters } from './counters.js'
import { createQueryHandler } from './handler.js'
import { DnsServer, type DnsServerOptions } from './server.js'
import { sourceKey } from './tcp.js'
import { APP, APP_V4, BIG, BIG_COUNT, framed, tcpExchange, testResolver, until } from './testing.js'

const HOST = '127.0.0.1'
let server: DnsServer | undefined

async function start(tcp?: DnsServerOptions['tcp']): Promise<{ port: number; server: DnsServer }> {
  const resolver = testResolver()
  server = new DnsServer({
    handler: createQueryHandler({ resolver: () => resolver, counters: new QueryCounters() }),
    tcp,
  })
  const [bound] = await server.listen([`${HOST}:0`])
  return { port: bound!.port, server }
}

afterEach(async () => {
  await server?.close()
  server = undefined
})

const ids = (frames: Buffer[]) => frames.map((frame) => frame.readUInt16BE(0))

function open(port: number, localAddress?: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: HOST, port, localAddress }, () => resolve(socket))
    socket.once('error', reject)
  })
}

/** Writes `bytes` one at a time, `everyMs` apart, until they run out or the server closes. */
function trickle(socket: Socket, bytes: Buffer, everyMs: number): Promise<{ sent: number; closed: boolean }> {
  return new Promise((resolve) => {
    let sent = 0
    const timer = setInterval(() => {
      if (sent >= bytes.length || socket.destroyed) return
      socket.write(bytes.subarray(sent, sent + 1))
      sent++
    }, everyMs)
    const done = (closed: boolean) => {
      clearInterval(timer)
      resolve({ sent, closed })
    }
    socket.on('data', () => undefined)
    socket.once('close', () => done(true))
    socket.once('error', () => done(true))
  })
}

describe('TCP', () => {
  it('answers 5 queries pipelined in one write, in order, with their IDs', async () => {
    const { port } = await start()
    const queries = [11, 12, 13, 14, 15].map((id, i) =>
      framed(encodeQuery({ id, name: i === 2 ? BIG : APP, type: i === 4 ? RRType.AAAA : RRType.A })),
    )
    const { frames } = await tcpExchange(HOST, port, [Buffer.concat(queries)], { frames: 5 })
    expect(ids(frames)).toEqual([11, 12, 13, 14, 15])
    expect(Packet.parse(frames[2]!).answers).toHaveLength(BIG_COUNT)
    expect(Packet.parse(frames[2]!).header.tc).toBe(0)
  })

  it('answers a frame split across writes, a byte at a time', async () => {
    const { port } = await start()
    const query = framed(encodeQuery({ id: 21, name: APP }))
    const chunks = [...query].map((byte) => Buffer.from([byte]))
    const { frames } = await tcpExchange(HOST, port, chunks, { frames: 1 })
    expect(ids(frames)).toEqual([21])
    const answer = Packet.parse(frames[0]!).answers[0] as { address?: string }
    expect(answer.address).toBe(APP_V4)
  })

  it('still answers a client that half-closes after its last query, then closes', async () => {
    const { port } = await start()
    const both = Buffer.concat([
      framed(encodeQuery({ id: 31, name: APP })),
      framed(encodeQuery({ id: 32, name: BIG })),
    ])
    const result = await tcpExchange(HOST, port, [both], { halfClose: true })
    expect(ids(result.frames)).toEqual([31, 32])
    expect(result.closed).toBe(true)
  })

  it('closes an idle connection after idleTimeoutMs', async () => {
    const { port, server } = await start({ idleTimeoutMs: 150 })
    const result = await tcpExchange(HOST, port, [framed(encodeQuery({ id: 41, name: APP }))], {
      timeoutMs: 5000,
    })
    expect(ids(result.frames)).toEqual([41])
    expect(result.closed).toBe(true)
    expect(server.counters.tcpIdleTimeouts).toBe(1)
  })

  it('closes connections beyond maxConnections at once and serves the others', async () => {
    const { port, server } = await start({ maxConnections: 2 })
    const kept = [await open(port), await open(port)]
    await until(() => server.counters.tcpOpen === 2, 5000, 'two open connections')
    const excess = await tcpExchange(HOST, port, [framed(encodeQuery({ id: 51, name: APP }))])
    expect(excess).toEqual({ frames: [], closed: true })
    expect(server.counters.tcpRejected).toBe(1)
    kept[0]!.destroy()
    await until(() => server.counters.tcpOpen === 1, 5000, 'one connection closed')
    const next = await tcpExchange(HOST, port, [framed(encodeQuery({ id: 52, name: APP }))], { frames: 1 })
    expect(ids(next.frames)).toEqual([52])
    kept[1]!.destroy()
  })

  it.each([
    ['a frame length of 0', Buffer.from([0, 0])],
    ['a frame length of 1', Buffer.from([0, 1, 0x55])],
    ['a frame length of 11', Buffer.concat([Buffer.from([0, 11]), Buffer.alloc(11)])],
  ])('closes the connection on %s, after answering what came before', async (_, bad) => {
    const { port, server } = await start()
    const result = await tcpExchange(HOST, port, [
      Buffer.concat([framed(encodeQuery({ id: 61, name: APP })), bad]),
    ])
    expect(ids(result.frames)).toEqual([61])
    expect(result.closed).toBe(true)
    expect(server.counters.tcpBadFrames).toBe(1)
  })

  it('stops reading from a client that does not read its answers, and catches up when it does', async () => {
    const resolver = testResolver()
    const counters = new QueryCounters()
    // A short message deadline: our own pause must not count against the client.
    server = new DnsServer({
      handler: createQueryHandler({ resolver: () => resolver, counters }),
      tcp: { messageTimeoutMs: 100 },
    })
    const port = (await server.listen([`${HOST}:0`]))[0]!.port
    const count = 20_000 // ~32 MB of answers: more than loopback socket buffers hold
    const socket = await open(port)
    socket.pause()
    socket.write(
      Buffer.concat(Array.from({ length: count }, (_, i) => framed(encodeQuery({ id: i, name: BIG })))),
    )
    // Settled: no progress over 200 ms.
    let last = -1
    let still = 0
    await until(
      () => {
        still = counters.tcp === last ? still + 1 : 0
        last = counters.tcp
        return still >= 4
      },
      15_000,
      'the server to stop reading',
      50,
    )
    expect(counters.tcp).toBeLessThan(count)
    let received = 0
    let buffered = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk])
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        expect(buffered.readUInt16BE(2)).toBe(received & 0xffff)
        received++
        buffered = buffered.subarray(2 + buffered.readUInt16BE(0))
      }
    })
    socket.resume()
    await until(() => received === count, 20_000, 'every answer')
    expect(counters.tcp).toBe(count)
    expect(server.counters.tcpMessageTimeouts).toBe(0)
    socket.destroy()
  })

  it('closes a client that trickles a message a byte at a time past messageTimeoutMs (RFC 7766 §6.2.3)', async () => {
    const { port, server } = await start({ messageTimeoutMs: 300, idleTimeoutMs: 10_000 })
    const socket = await open(port)
    // 40 bytes at one per 50 ms would take 2 s; each byte resets the idle timer, never the message's.
    const result = await trickle(socket, framed(encodeQuery({ id: 71, name: APP })), 50)
    expect(result.closed).toBe(true)
    expect(result.sent).toBeLessThan(40)
    expect(server.counters.tcpMessageTimeouts).toBe(1)
    expect(server.counters.tcpIdleTimeouts).toBe(0)
  })

  it('gives each message its own deadline: a slow but steady pipeline is served', async () => {
    const { port, server } = await start({ messageTimeoutMs: 800 })
    const socket = await open(port)
    const frames: number[] = []
    socket.on('data', (chunk: Buffer) => frames.push(chunk.readUInt16BE(2)))
    // Each message split in two writes 100 ms apart, twelve in a row: 1.2 s in all, 100 ms per message.
    const sent = Array.from({ length: 12 }, (_, i) => 81 + i)
    for (const id of sent) {
      const query = framed(encodeQuery({ id, name: APP }))
      socket.write(query.subarray(0, 7))
      await new Promise((r) => setTimeout(r, 100))
      socket.write(query.subarray(7))
      await until(() => frames.includes(id), 5000, `answer ${id}`)
    }
    expect(frames).toEqual(sent)
    expect(server.counters.tcpMessageTimeouts).toBe(0)
    socket.destroy()
  })

  it('caps connections per source: many tricklers from one address, and another client is still served', async () => {
    const { port, server } = await start({
      maxConnections: 8,
      maxConnectionsPerSource: 4,
      messageTimeoutMs: 60_000,
    })
    const tricklers: Socket[] = []
    for (let i = 0; i < 12; i++) {
      const socket = await open(port)
      socket.on('error', () => undefined)
      socket.write(Buffer.from([0]))
      tricklers.push(socket)
    }
    await until(
      () => server.counters.tcpRejectedPerSource === 8 && server.counters.tcpOpen === 4,
      5000,
      '4 held, 8 rejected',
    )
    expect(server.counters.tcpRejected).toBe(0)
    // 127.0.0.2 is another source on loopback: served while 127.0.0.1 is at its cap.
    const other = await open(port, '127.0.0.2')
    const answer = new Promise<Buffer>((resolve) => other.once('data', resolve))
    other.write(framed(encodeQuery({ id: 91, name: APP })))
    expect((await answer).readUInt16BE(2)).toBe(91)
    other.destroy()
    // A slot freed at the source lets the source in again.
    tricklers.forEach((socket) => socket.destroy())
    await until(() => server.counters.tcpOpen === 0, 5000, 'all closed')
    const again = await tcpExchange(HOST, port, [framed(encodeQuery({ id: 92, name: APP }))], { frames: 1 })
    expect(ids(again.frames)).toEqual([92])
  })

  it('counts sources by IPv4 address and by IPv6 /64', () => {
    expect(sourceKey('192.0.2.1', 4)).toBe('192.0.2.1')
    expect(sourceKey('2001:db8:1:2::1', 6)).toBe(sourceKey('2001:db8:1:2:ffff::9', 6))
    expect(sourceKey('2001:db8:1:2::1', 6)).not.toBe(sourceKey('2001:db8:1:3::1', 6))
  })
})
