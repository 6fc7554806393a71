import { once } from 'node:events'
import { readFileSync, rmSync } from 'node:fs'
import { connect, type TLSSocket } from 'node:tls'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { RRType, decodeMessage, encodeQuery } from '@nines/wire'
import { QueryCounters } from './counters.js'
import { createQueryHandler } from './handler.js'
import { DnsServer, type DnsServerOptions } from './server.js'
import { APP, APP_V4, BIG, BIG_COUNT, framed, selfSigned, tempDir, testResolver, until } from './testing.js'

const HOST = '127.0.0.1'
let dir: string
let cert: { certFile: string; keyFile: string }
let ca: Buffer
let server: DnsServer | undefined

beforeAll(() => {
  dir = tempDir()
  cert = selfSigned(dir, 'ns1', ['ns1.nines.test', HOST])
  ca = readFileSync(cert.certFile)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))
afterEach(async () => {
  await server?.close()
  server = undefined
})

async function start(
  tcp?: DnsServerOptions['tcp'],
): Promise<{ port: number; tcpPort: number; counters: QueryCounters }> {
  const resolver = testResolver()
  const counters = new QueryCounters()
  server = new DnsServer({
    handler: createQueryHandler({ resolver: () => resolver, counters }),
    counters: counters.socket,
    tls: { certificates: [{ ...cert, serverNames: [] }] },
    watchCertificates: false,
    ...(tcp ? { tcp } : {}),
  })
  const bound = await server.listenAll({ listen: [`${HOST}:0`], dot: { listen: [`${HOST}:0`] } })
  return { port: bound.dot![0]!.port, tcpPort: bound.dns[0]!.port, counters }
}

/** A DoT connection that collects reply frames. */
async function dot(port: number): Promise<{ socket: TLSSocket; frames: Buffer[]; closed: () => boolean }> {
  const socket = connect({ host: HOST, port, ca, servername: 'ns1.nines.test' })
  const frames: Buffer[] = []
  let data = Buffer.alloc(0)
  let closed = false
  socket.on('data', (chunk: Buffer) => {
    data = Buffer.concat([data, chunk])
    while (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
      frames.push(data.subarray(2, 2 + data.readUInt16BE(0)))
      data = data.subarray(2 + data.readUInt16BE(0))
    }
  })
  socket.on('error', () => undefined)
  socket.on('close', () => (closed = true))
  await once(socket, 'secureConnect')
  return { socket, frames, closed: () => closed }
}

describe('DoT (RFC 7858)', () => {
  it('answers pipelined queries written at once, every ID matched, untruncated', async () => {
    const { port, counters } = await start()
    const client = await dot(port)
    expect(client.socket.alpnProtocol).toBe(false)
    const ids = [101, 102, 103, 104, 105, 106]
    const queries = ids.map((id, i) =>
      framed(encodeQuery({ id, name: i === 4 ? BIG : APP, type: i % 2 ? RRType.AAAA : RRType.A })),
    )
    client.socket.write(Buffer.concat(queries))
    await until(() => client.frames.length === ids.length, 5000, 'six answers')
    expect(client.frames.map((f) => f.readUInt16BE(0))).toEqual(ids)
    expect(decodeMessage(client.frames[0]!).answers[0]!.data).toBe(APP_V4)
    const big = decodeMessage(client.frames[4]!)
    expect(big.tc).toBe(false)
    expect(big.answers).toHaveLength(BIG_COUNT)
    expect(counters.snapshot().queriesByTransport).toMatchObject({ dot: 6, tcp: 0 })
    client.socket.destroy()
  })

  it('closes an idle connection after idleTimeoutMs, and a new one is served', async () => {
    const { port, counters } = await start({ idleTimeoutMs: 200 })
    const idle = await dot(port)
    await until(idle.closed, 5000, 'the idle close')
    expect(counters.socket.tcpIdleTimeouts).toBe(1)
    const next = await dot(port)
    next.socket.write(framed(encodeQuery({ id: 9, name: APP })))
    await until(() => next.frames.length === 1, 5000, 'an answer')
    next.socket.destroy()
  })

  it('caps connections per source (before the handshake), sharing the TCP budget; frees the slot on close', async () => {
    const { port, counters } = await start({ maxConnectionsPerSource: 2 })
    const a = await dot(port)
    const b = await dot(port)
    const third = connect({ host: HOST, port, ca, servername: 'ns1.nines.test' })
    third.on('error', () => undefined)
    let established = false
    third.on('secureConnect', () => (established = true))
    await new Promise((resolve) => third.once('close', resolve))
    expect(established).toBe(false)
    expect(counters.socket.tcpRejectedPerSource).toBe(1)
    a.socket.destroy()
    await until(() => counters.socket.tcpOpen === 1, 5000, 'the slot freed')
    const c = await dot(port)
    c.socket.write(framed(encodeQuery({ id: 5, name: APP })))
    await until(() => c.frames.length === 1, 5000, 'an answer')
    b.socket.destroy()
    c.socket.destroy()
  })

  it('closes a client that never finishes the handshake after messageTimeoutMs', async () => {
    const { port, counters } = await start({ messageTimeoutMs: 200 })
    const { connect: netConnect } = await import('node:net')
    const raw = netConnect({ host: HOST, port })
    raw.on('error', () => undefined)
    await once(raw, 'connect')
    raw.write(Buffer.from([0x16, 0x03, 0x01])) // the start of a ClientHello, then nothing
    await once(raw, 'close')
    await until(() => counters.socket.tlsHandshakeErrors === 1, 5000, 'the handshake error counted')
    const ok = await dot(port)
    ok.socket.write(framed(encodeQuery({ id: 1, name: APP })))
    await until(() => ok.frames.length === 1, 5000, 'an answer')
    ok.socket.destroy()
  })
})
