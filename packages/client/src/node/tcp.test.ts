// Kept TCP and DoT connections against the real nines-dns: one connection for many questions, several in
// flight at once; a server that closes a kept connection as a question arrives costs nothing.
import { once } from 'node:events'
import { connect, createServer, type Server, type Socket } from 'node:net'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  APP,
  APP_V4,
  BIG,
  BIG_COUNT,
  TWO,
  TWO_V4,
  selfSigned,
  startSecureServer,
  type SecureServer,
} from '../testing.js'
import type { Question, Reply } from '../types.js'
import { StreamConnections } from './tcp.js'

let cert: ReturnType<typeof selfSigned>
let ns: SecureServer

beforeAll(async () => {
  cert = selfSigned()
  ns = await startSecureServer(cert)
})
afterAll(async () => {
  await ns.server.close()
})

/** An A question and its deadline. */
const ask = (name: string): [Question, AbortSignal] => [{ name, type: 1 }, AbortSignal.timeout(5000)]
const addresses = (reply: Reply) => reply.answers.map((a) => a.data).sort()

describe('StreamConnections', () => {
  it('asks every DoT question on one connection, many in flight at once', async () => {
    const streams = new StreamConnections()
    const before = ns.server.counters.tcpAccepted
    for (let i = 0; i < 5; i++) {
      const reply = await streams.dot('127.0.0.1', ns.ports.dot, ...ask(APP), { ca: cert.ca })
      expect(addresses(reply)).toEqual(APP_V4)
    }
    const names = [APP, TWO, BIG, APP, TWO, BIG, APP, TWO, BIG, APP]
    const replies = await Promise.all(
      names.map((name) => streams.dot('127.0.0.1', ns.ports.dot, ...ask(name), { ca: cert.ca })),
    )
    expect(replies.map((r) => r.answers.length)).toEqual(
      names.map((n) => (n === BIG ? BIG_COUNT : n === TWO ? TWO_V4.length : APP_V4.length)),
    )
    expect(ns.server.counters.tcpAccepted - before).toBe(1)
    expect(streams.size).toBe(1)
    streams.close()
    expect(streams.size).toBe(0)
  })

  it('closes a connection idle for idleMs, and opens a new one for the next question', async () => {
    const streams = new StreamConnections(100)
    const before = ns.server.counters.tcpAccepted
    await streams.tcp('127.0.0.1', ns.ports.dns, ...ask(APP))
    expect(streams.size).toBe(1)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(streams.size).toBe(0)
    expect(addresses(await streams.tcp('127.0.0.1', ns.ports.dns, ...ask(TWO)))).toEqual(TWO_V4)
    expect(ns.server.counters.tcpAccepted - before).toBe(2)
    streams.close()
  })

  it('sends a question again on a new connection when the server closed the kept one as it arrived', async () => {
    // A relay to nines-dns that, on its first connection, answers one question and then drops the
    // connection on the next, as a server whose idle timeout fires just then.
    const connections: Socket[] = []
    const relay: Server = createServer((client) => {
      connections.push(client)
      const first = connections.length === 1
      const upstream = connect({ host: '127.0.0.1', port: ns.ports.dns })
      let frames = 0
      client.on('data', (chunk) => {
        frames++
        if (first && frames === 2) {
          client.destroy()
          upstream.destroy()
        } else upstream.write(chunk)
      })
      upstream.on('data', (chunk) => client.write(chunk))
      client.on('error', () => upstream.destroy())
      upstream.on('error', () => client.destroy())
    })
    relay.listen(0, '127.0.0.1')
    await once(relay, 'listening')
    const port = (relay.address() as AddressInfo).port
    const streams = new StreamConnections()
    expect(addresses(await streams.tcp('127.0.0.1', port, ...ask(APP)))).toEqual(APP_V4)
    // The fault: the kept connection is dropped under this question; it is asked again on a new one.
    expect(addresses(await streams.tcp('127.0.0.1', port, ...ask(TWO)))).toEqual(TWO_V4)
    expect(connections).toHaveLength(2)
    // The way back: the new connection is kept for what follows.
    expect(addresses(await streams.tcp('127.0.0.1', port, ...ask(APP)))).toEqual(APP_V4)
    expect(connections).toHaveLength(2)
    streams.close()
    relay.close()
  })

  it('fails the question when a new connection closes before its reply (sent once, not again)', async () => {
    let accepted = 0
    const silent = createServer((socket) => {
      accepted++
      socket.once('data', () => socket.destroy())
    })
    silent.listen(0, '127.0.0.1')
    await once(silent, 'listening')
    const port = (silent.address() as AddressInfo).port
    const streams = new StreamConnections()
    const error = await streams.tcp('127.0.0.1', port, ...ask(APP)).catch((e: unknown) => e)
    expect((error as Error).message).toMatch(
      /tcp:\/\/127\.0\.0\.1:\d+: the connection closed before a whole reply/,
    )
    expect(accepted).toBe(1)
    streams.close()
    silent.close()
  })
})
