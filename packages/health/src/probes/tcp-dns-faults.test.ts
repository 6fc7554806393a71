import { createSocket } from 'node:dgram'
import { once } from 'node:events'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { Packet } from 'dns2'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { dnsCheckSchema, tcpCheckSchema } from '../check.js'
import type { Probe, ProbeTarget } from '../probe.js'
import { dnsProbe } from './dns-probe.js'
import { runProbe } from './run-probe.js'
import { tcpProbe } from './tcp-probe.js'

// The TCP and DNS probes against the same faults as the HTTP one: each failed probe closes what it
// opened, and the first probe after the endpoint heals succeeds.
const timeoutMs = 300
const answerMs = 2_000
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** A TCP server answering `PING` with `+PONG` while `mode` is ok; `hang` accepts and stays silent. */
async function pingServer(port = 0) {
  const state = { mode: 'ok' as 'ok' | 'hang' }
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    socket.on('data', () => {
      if (state.mode === 'ok') socket.write('+PONG\r\n')
    })
  })
  server.listen(port, '127.0.0.1')
  await once(server, 'listening')
  const close = async () => {
    for (const socket of sockets) socket.destroy()
    if (!server.listening) return
    server.close()
    await once(server, 'close')
  }
  cleanups.push(close)
  return { state, sockets, close, port: (server.address() as AddressInfo).port }
}

describe('tcpProbe heals', () => {
  const probe = tcpProbe(tcpCheckSchema.parse({ kind: 'tcp', send: 'PING\r\n', expect: '+PONG' }))

  it('after a server that accepts and never replies, closing each timed-out connection', async () => {
    const server = await pingServer()
    const target = { address: '127.0.0.1', port: server.port }
    expect(await runProbe(probe, target, { timeoutMs: answerMs })).toMatchObject({ ok: true })
    server.state.mode = 'hang'
    for (let i = 0; i < 2; i++) {
      expect(await runProbe(probe, target, { timeoutMs })).toMatchObject({ ok: false, detail: 'timeout' })
    }
    await vi.waitFor(() => expect(server.sockets.size).toBe(0))
    server.state.mode = 'ok'
    expect(await runProbe(probe, target, { timeoutMs: answerMs })).toMatchObject({ ok: true })
  })

  it('after the server stopped and started again on its port', async () => {
    const first = await pingServer()
    const target = { address: '127.0.0.1', port: first.port }
    await first.close()
    expect(await runProbe(probe, target, { timeoutMs: answerMs })).toMatchObject({ detail: 'ECONNREFUSED' })
    await pingServer(first.port)
    expect(await runProbe(probe, target, { timeoutMs: answerMs })).toMatchObject({ ok: true })
  })
})

/**
 * A DNS endpoint on one port: UDP answers per `mode` (`ok`, `hang`: silence, `servfail`, `truncate`: TC=1
 * so the probe asks again over TCP, where `tcpHang` keeps it waiting).
 */
async function dnsServer() {
  const state = { mode: 'ok' as 'ok' | 'hang' | 'servfail' | 'truncate', tcpHang: false }
  const reply = (query: Buffer, overTcp = false): Buffer => {
    const request = Packet.parse(query)
    const response = Packet.createResponseFromRequest(request)
    if (state.mode === 'servfail') response.header.rcode = Packet.RCODE.SERVFAIL
    else if (state.mode === 'truncate' && !overTcp) response.header.tc = 1
    else {
      const name = request.questions[0]?.name
      response.answers.push(
        new Packet.Resource({
          name,
          type: Packet.TYPE.A,
          class: Packet.CLASS.IN,
          ttl: 5,
          address: '192.0.2.1',
        }),
      )
    }
    return response.toBuffer()
  }
  const tcpSockets = new Set<Socket>()
  const tcp = createServer((socket) => {
    tcpSockets.add(socket)
    socket.on('close', () => tcpSockets.delete(socket))
    socket.on('error', () => {})
    socket.on('data', (frame: Buffer) => {
      if (state.tcpHang) return
      const answer = reply(frame.subarray(2), true)
      const length = Buffer.alloc(2)
      length.writeUInt16BE(answer.length)
      socket.write(Buffer.concat([length, answer]))
    })
  })
  tcp.listen(0, '127.0.0.1')
  await once(tcp, 'listening')
  const port = (tcp.address() as AddressInfo).port
  const udp = createSocket('udp4')
  udp.on('message', (query, peer) => {
    if (state.mode !== 'hang') udp.send(reply(query), peer.port, peer.address)
  })
  udp.bind(port, '127.0.0.1')
  await once(udp, 'listening')
  cleanups.push(async () => {
    for (const socket of tcpSockets) socket.destroy()
    udp.close()
    tcp.close()
    await once(tcp, 'close')
  })
  return { state, tcpSockets, target: { address: '127.0.0.1', port } satisfies ProbeTarget }
}

describe('dnsProbe heals', () => {
  const probe: Probe = dnsProbe(dnsCheckSchema.parse({ kind: 'dns', name: 'up.nines.test' }))

  it.each([
    ['hang', 'timeout'],
    ['servfail', 'rcode SERVFAIL'],
  ] as const)('after %s, reported as %s', async (mode, detail) => {
    const { state, target } = await dnsServer()
    expect(await runProbe(probe, target, { timeoutMs: answerMs })).toMatchObject({ ok: true })
    state.mode = mode
    for (let i = 0; i < 2; i++) expect(await runProbe(probe, target, { timeoutMs })).toMatchObject({ detail })
    state.mode = 'ok'
    expect(await runProbe(probe, target, { timeoutMs: answerMs })).toMatchObject({ ok: true })
  })

  it('after its TCP fallback hung, closing each timed-out TCP connection', async () => {
    const { state, tcpSockets, target } = await dnsServer()
    state.mode = 'truncate'
    expect(await runProbe(probe, target, { timeoutMs: answerMs })).toMatchObject({ ok: true })
    state.tcpHang = true
    for (let i = 0; i < 2; i++) {
      expect(await runProbe(probe, target, { timeoutMs })).toMatchObject({ ok: false, detail: 'timeout' })
    }
    await vi.waitFor(() => expect(tcpSockets.size).toBe(0))
    state.tcpHang = false
    expect(await runProbe(probe, target, { timeoutMs: answerMs })).toMatchObject({ ok: true })
  })
})
