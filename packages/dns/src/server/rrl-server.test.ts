import { ManualClock } from '@nines/core'
import { connect, type Socket } from 'node:net'
import { Packet } from 'dns2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeQuery } from '@nines/wire'
import { QueryCounters } from './counters.js'
import { createQueryHandler } from './handler.js'
import { DnsServer } from './server.js'
import { APP, framed, tcpExchange, testResolver, udpClient, until } from './testing.js'

const HOST = '127.0.0.1'

describe('response rate limiting on a real socket', () => {
  // Time stands still, so no token comes back unless the test advances the clock.
  const clock = new ManualClock()
  const counters = new QueryCounters()
  const resolver = testResolver()
  const server = new DnsServer({
    handler: createQueryHandler({ resolver: () => resolver, counters }),
    rrl: { enabled: true, responsesPerSecond: 5, slip: 2 },
    rrlClock: clock,
    // The socket layer counts into the query counters: one snapshot, summed across cluster workers.
    counters: counters.socket,
  })
  let port = 0

  beforeAll(async () => {
    port = (await server.listen([`${HOST}:0`]))[0]!.port
  })
  afterAll(() => server.close())

  it('over the limit drops replies and sends every 2nd as an empty TC=1 answer; TCP is not limited', async () => {
    const { socket, replies } = await udpClient(4)
    for (let id = 1; id <= 15; id++) socket.send(encodeQuery({ id, name: APP }), port, HOST)
    await until(() => counters.udp === 15 && replies.length >= 10, 10_000, '15 queries handled')
    await new Promise((resolve) => setTimeout(resolve, 50)) // room for a stray 11th reply
    const packets = replies.map((reply) => Packet.parse(reply))
    expect(packets).toHaveLength(10)
    const full = packets.filter((p) => p.header.tc === 0)
    const slipped = packets.filter((p) => p.header.tc === 1)
    expect(full.map((p) => p.answers.length)).toEqual([1, 1, 1, 1, 1])
    expect(slipped.map((p) => [p.header.ancount, p.questions.length])).toEqual(Array(5).fill([0, 1]))
    expect(server.counters.snapshot()).toMatchObject({ rrlDropped: 5, rrlSlipped: 5 })
    // What the daemon scrapes: RRL drops and slips (TC=1 it caused, apart from `truncated`).
    expect(counters.snapshot()).toMatchObject({ truncated: 0, socket: { rrlDropped: 5, rrlSlipped: 5 } })

    const { frames } = await tcpExchange(HOST, port, [framed(encodeQuery({ id: 99, name: APP }))], {
      frames: 1,
    })
    expect(Packet.parse(frames[0]!).answers).toHaveLength(1)

    clock.advance(200) // one token at 5 per second
    replies.length = 0
    socket.send(encodeQuery({ id: 100, name: APP }), port, HOST)
    await until(() => replies.length === 1, 5000, 'a reply after the refill')
    expect(Packet.parse(replies[0]!).header).toMatchObject({ id: 100, tc: 0, ancount: 1 })
    socket.close()
  })
})

describe('socket counters in the scraped snapshot', () => {
  it(
    'TCP rejects (global and per source), idle and message timeouts, summed across workers',
    { timeout: 20_000 },
    async () => {
      const counters = new QueryCounters()
      const resolver = testResolver()
      const server = new DnsServer({
        handler: createQueryHandler({ resolver: () => resolver, counters }),
        tcp: { maxConnections: 4, maxConnectionsPerSource: 2, idleTimeoutMs: 3000, messageTimeoutMs: 1500 },
        counters: counters.socket,
      })
      const port = (await server.listen([`${HOST}:0`]))[0]!.port
      try {
        const open = (localAddress: string) =>
          new Promise<Socket>((resolve, reject) => {
            const socket = connect({ host: HOST, port, localAddress }, () => resolve(socket))
            socket.on('error', () => undefined)
            socket.once('error', reject)
          })
        // Two from 127.0.0.1 start a message and stall; a third from there is rejected per source.
        const stalled = [await open('127.0.0.1'), await open('127.0.0.1')]
        stalled.forEach((socket) => socket.write(Buffer.from([0, 40, 1])))
        await open('127.0.0.1')
        // Two idle from 127.0.0.2 and .3 fill the server; one more from 127.0.0.4 is rejected globally.
        await open('127.0.0.2')
        await open('127.0.0.3')
        await open('127.0.0.4')
        await until(
          () =>
            counters.socket.tcpMessageTimeouts === 2 &&
            counters.socket.tcpIdleTimeouts === 2 &&
            counters.socket.tcpOpen === 0,
          10_000,
          'the timeouts',
        )
        const one = counters.snapshot().socket
        expect(one).toMatchObject({
          tcpAccepted: 4,
          tcpRejected: 1,
          tcpRejectedPerSource: 1,
          tcpMessageTimeouts: 2,
          tcpIdleTimeouts: 2,
          tcpOpen: 0,
        })
        // A cluster primary adds its workers' snapshots.
        const total = new QueryCounters()
        total.add(counters.snapshot())
        total.add(counters.snapshot())
        expect(total.snapshot().socket).toMatchObject({
          tcpRejected: 2,
          tcpRejectedPerSource: 2,
          tcpMessageTimeouts: 4,
        })
      } finally {
        await server.close()
      }
    },
  )
})
