import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { once } from 'node:events'
import { Socket } from 'node:net'
import { createServer, Packet, type DnsHandler, type DnsServer, type Resource } from 'dns2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { dnsCheckSchema, type DnsCheck } from '../check.js'
import type { ProbeTarget } from '../probe.js'
import { dnsProbe } from './dns-probe.js'
import { runProbe } from './run-probe.js'

const address = '127.0.0.1'
const bigCount = 60 // 60 A records do not fit in 512 bytes

/** A port free for UDP, for the DNS server to take for both UDP and TCP. */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4')
  socket.bind(0, address)
  await once(socket, 'listening')
  const { port } = socket.address()
  socket.close()
  return port
}

/** dns2 on loopback with UDP and TCP on one port, as the TCP fallback needs. */
async function startDnsServer(handle: DnsHandler): Promise<{ server: DnsServer; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freeUdpPort()
    const server = createServer({ udp: true, tcp: true, handle })
    try {
      await new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen({ udp: { port, address }, tcp: { port, address } }).then(resolve, reject)
      })
      return { server, port }
    } catch (error) {
      // The port was taken for TCP in the meantime; try another.
      void server.close().catch(() => {})
      if (attempt === 5) throw error
    }
  }
}

/** A raw UDP responder, for replies dns2 would never send. */
async function startRawServer(
  reply: (query: Buffer) => Buffer[],
): Promise<{ socket: UdpSocket; target: ProbeTarget }> {
  const socket = createSocket('udp4')
  socket.on('message', (query, peer) => {
    for (const message of reply(query)) socket.send(message, peer.port, peer.address)
  })
  socket.bind(0, address)
  await once(socket, 'listening')
  return { socket, target: { address, port: socket.address().port } }
}

function answer(query: Buffer, edit: (response: Packet) => void = () => {}): Buffer {
  const request = Packet.parse(query)
  const response = Packet.createResponseFromRequest(request)
  response.answers.push(
    new Packet.Resource({
      name: request.questions[0]?.name,
      type: Packet.TYPE.A,
      class: Packet.CLASS.IN,
      ttl: 5,
      address: '192.0.2.1',
    }),
  )
  edit(response)
  return response.toBuffer()
}

describe('dnsProbe', () => {
  let server: DnsServer
  let target: ProbeTarget
  const transports: string[] = []
  const raw: UdpSocket[] = []

  beforeAll(async () => {
    const started = await startDnsServer((request, send, client) => {
      transports.push(client instanceof Socket ? 'tcp' : 'udp')
      const question = request.questions[0]
      if (question === undefined) return
      const response = Packet.createResponseFromRequest(request)
      const record = (fields: Partial<Resource>) =>
        new Packet.Resource({
          name: question.name,
          type: question.type,
          class: Packet.CLASS.IN,
          ttl: 5,
          ...fields,
        })
      switch (question.name.toLowerCase()) {
        case 'up.nines.test':
          response.answers.push(record({ address: '192.0.2.10' }), record({ address: '192.0.2.11' }))
          break
        case 'v6.nines.test':
          response.answers.push(record({ address: '2001:db8::1' }))
          break
        case 'alias.nines.test':
          response.answers.push(record({ type: Packet.TYPE.CNAME, domain: 'up.nines.test' }))
          break
        case 'big.nines.test':
          for (let i = 1; i <= bigCount; i++) response.answers.push(record({ address: `198.51.100.${i}` }))
          break
        case 'broken.nines.test':
          response.header.rcode = Packet.RCODE.SERVFAIL
          break
        default:
          response.header.rcode = Packet.RCODE.NXDOMAIN
      }
      send(response).catch(() => {})
    })
    server = started.server
    target = { address, port: started.port }
  })

  afterAll(async () => {
    for (const socket of raw) socket.close()
    await server.close()
  })

  // Long enough for any answer on a busy machine; tests that expect a timeout pass a short one.
  const run = (fields: Partial<DnsCheck>, at: ProbeTarget = target, timeoutMs = 2_000) =>
    runProbe(dnsProbe(dnsCheckSchema.parse({ kind: 'dns', name: 'up.nines.test', ...fields })), at, {
      timeoutMs,
    })

  it('passes on an answer with the expected rcode', async () => {
    expect(await run({})).toMatchObject({ ok: true, detail: 'ok' })
  })

  it('checks that one answer equals expectAnswer', async () => {
    expect(await run({ expectAnswer: '192.0.2.11' })).toMatchObject({ ok: true })
    expect(await run({ expectAnswer: '192.0.2.99' })).toMatchObject({ ok: false, detail: 'answer mismatch' })
    expect(await run({ name: 'v6.nines.test', type: 'AAAA', expectAnswer: '2001:DB8:0::1' })).toMatchObject({
      ok: true,
    })
    expect(
      await run({ name: 'alias.nines.test', type: 'CNAME', expectAnswer: 'UP.nines.test.' }),
    ).toMatchObject({
      ok: true,
    })
  })

  it('reports an unexpected rcode, and passes an expected one', async () => {
    expect(await run({ name: 'missing.nines.test' })).toMatchObject({ ok: false, detail: 'rcode NXDOMAIN' })
    expect(await run({ name: 'missing.nines.test', expectRcode: 'NXDOMAIN' })).toMatchObject({ ok: true })
    expect(await run({ name: 'broken.nines.test' })).toMatchObject({ ok: false, detail: 'rcode SERVFAIL' })
  })

  it('falls back to TCP when the UDP reply is truncated', async () => {
    transports.length = 0
    expect(await run({ name: 'big.nines.test', expectAnswer: `198.51.100.${bigCount}` })).toMatchObject({
      ok: true,
      detail: 'ok',
    })
    expect(transports).toEqual(['udp', 'tcp'])
  })

  it('reports ECONNREFUSED or timeout when nothing listens on the UDP port', async () => {
    const result = await run({}, { address, port: await freeUdpPort() }, 300)
    expect(result.ok).toBe(false)
    expect(['ECONNREFUSED', 'timeout']).toContain(result.detail)
  })

  it('ignores replies with another ID and takes the one that matches', async () => {
    const { socket, target: at } = await startRawServer((query) => {
      const spoofed = answer(query, (response) => {
        response.header.id = (response.header.id + 1) & 0xffff
        response.header.rcode = Packet.RCODE.SERVFAIL
      })
      return [spoofed, answer(query)]
    })
    raw.push(socket)
    expect(await run({ expectAnswer: '192.0.2.1' }, at)).toMatchObject({ ok: true, detail: 'ok' })
  })

  it('reports malformed reply for an echo and for garbage with our ID', async () => {
    const echo = await startRawServer((query) => [query])
    const garbage = await startRawServer((query) => [
      Buffer.concat([query.subarray(0, 2), Buffer.from([0x81])]),
    ])
    raw.push(echo.socket, garbage.socket)
    expect(await run({}, echo.target)).toMatchObject({ ok: false, detail: 'malformed reply' })
    expect(await run({}, garbage.target)).toMatchObject({ ok: false, detail: 'malformed reply' })
  })

  it('times out when the server never answers', async () => {
    const silent = await startRawServer(() => [])
    raw.push(silent.socket)
    expect(await run({}, silent.target, 300)).toMatchObject({ ok: false, detail: 'timeout' })
  })
})
