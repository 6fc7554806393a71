import { once } from 'node:events'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tcpCheckSchema, type TcpCheck } from '../check.js'
import type { ProbeTarget } from '../probe.js'
import { runProbe } from './run-probe.js'
import { tcpProbe } from './tcp-probe.js'

async function listen(
  onConnection: (socket: Socket) => void,
): Promise<{ server: Server; target: ProbeTarget }> {
  const server = createServer(onConnection)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return { server, target: { address: '127.0.0.1', port: (server.address() as AddressInfo).port } }
}

describe('tcpProbe', () => {
  const servers: Server[] = []
  const sockets = new Set<Socket>()
  const targets: Record<'pong' | 'banner' | 'split' | 'closer' | 'silent', ProbeTarget> = {} as never

  const track = (socket: Socket): void => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    // A paused socket never hears the peer close.
    socket.resume()
  }

  beforeAll(async () => {
    const add = async (name: keyof typeof targets, onConnection: (socket: Socket) => void) => {
      const { server, target } = await listen((socket) => {
        track(socket)
        onConnection(socket)
      })
      servers.push(server)
      targets[name] = target
    }
    await add('pong', (socket) =>
      socket.on('data', (data) => socket.write(data.toString() === 'PING\r\n' ? '+PONG\r\n' : '-ERR\r\n')),
    )
    await add('banner', (socket) => socket.write('SSH-2.0-test\r\n'))
    await add('split', (socket) => {
      socket.write('+PO')
      const timer = setTimeout(() => socket.write('NG\r\n'), 30)
      socket.on('close', () => clearTimeout(timer))
    })
    await add('closer', (socket) => socket.end('+P'))
    await add('silent', () => {})
  })

  afterAll(async () => {
    for (const socket of sockets) socket.destroy()
    for (const server of servers) {
      server.close()
      await once(server, 'close')
    }
  })

  // Long enough for any answer on a busy machine; tests that expect a timeout pass a short one.
  const run = (fields: Partial<TcpCheck>, target: ProbeTarget, timeoutMs = 2_000) =>
    runProbe(tcpProbe(tcpCheckSchema.parse({ kind: 'tcp', ...fields })), target, { timeoutMs })

  it('passes when it connects', async () => {
    expect(await run({}, targets.silent)).toMatchObject({ ok: true, detail: 'ok' })
  })

  it('reports ECONNREFUSED when nothing listens', async () => {
    const { server, target } = await listen(() => {})
    server.close()
    await once(server, 'close')
    expect(await run({}, target)).toMatchObject({ ok: false, detail: 'ECONNREFUSED' })
  })

  it('checks the reply to what it sends', async () => {
    expect(await run({ send: 'PING\r\n', expect: '+PONG' }, targets.pong)).toMatchObject({
      ok: true,
      detail: 'ok',
    })
    expect(await run({ send: 'HELLO\r\n', expect: '+PONG' }, targets.pong)).toMatchObject({
      ok: false,
      detail: 'reply mismatch',
    })
    expect(await run({ send: 'PING\r\n', expect: '+PONX' }, targets.pong)).toMatchObject({
      ok: false,
      detail: 'reply mismatch',
    })
  })

  it('passes after sending when nothing is expected', async () => {
    expect(await run({ send: 'PING\r\n' }, targets.silent)).toMatchObject({ ok: true, detail: 'ok' })
  })

  it('reads a banner without sending, and a reply that arrives in pieces', async () => {
    expect(await run({ expect: 'SSH-2.0-' }, targets.banner)).toMatchObject({ ok: true })
    expect(await run({ expect: '+PONG\r\n' }, targets.split)).toMatchObject({ ok: true })
  })

  it('reports closed before reply when the peer closes first, and timeout when it stays silent', async () => {
    expect(await run({ expect: '+PONG' }, targets.closer)).toMatchObject({
      ok: false,
      detail: 'closed before reply',
    })
    expect(await run({ send: 'PING\r\n', expect: '+PONG' }, targets.silent, 250)).toMatchObject({
      ok: false,
      detail: 'timeout',
    })
  })

  it('closes its socket when done, whatever the outcome', async () => {
    await run({}, targets.silent)
    await run({ expect: 'x' }, targets.silent, 250)
    await run({ expect: 'SSH' }, targets.banner)
    const deadline = Date.now() + 2_000
    while (sockets.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
    expect(sockets.size).toBe(0)
  })
})
