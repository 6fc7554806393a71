import { connect, type Socket } from 'node:net'
import { Packet } from 'dns2'
import { afterEach, describe, expect, it } from 'vitest'
import { RRType, encodeQuery } from '../wire/index.js'
import { QueryCounters } from './counters.js'
import { createQueryHandler } from './handler.js'
import { DnsServer, type DnsServerOptions } from './server.js'
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

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: HOST, port }, () => resolve(socket))
    socket.once('error', reject)
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
    server = new DnsServer({ handler: createQueryHandler({ resolver: () => resolver, counters }) })
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
    socket.destroy()
  })
})
