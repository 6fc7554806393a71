import { once } from 'node:events'
import type { IncomingHttpHeaders, IncomingMessage, Server } from 'node:http'
import { connect, type Socket } from 'node:net'
import { seededRng, systemClock, type Endpoint } from '@nines/core'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import { balanceSchema } from '../balance/schema.js'
import { createBalancer } from '../balance/balancer.js'
import type { Candidate } from '../balance/types.js'
import { viaValue } from '../proxy/headers.js'
import { requestIdOf } from '../proxy/request-id.js'
import { Tunnels } from '../proxy/tunnels.js'
import { cleanups, listen, runCleanups } from '../proxy/testing.js'
import { upgradeAttempts, type UpgradeAttemptsResult } from './upgrade-attempts.js'

afterEach(runCleanups)

/** A WebSocket echo server; `heads` records each upgrade request's headers, `sockets` the live server sides. */
async function echoServer() {
  const { server, port } = await listen((_, res) => res.writeHead(426).end())
  const wss = new WebSocketServer({ server })
  const heads: IncomingHttpHeaders[] = []
  const sockets: WebSocket[] = []
  wss.on('connection', (ws, req) => {
    heads.push(req.headers)
    sockets.push(ws)
    ws.on('message', (data, binary) => ws.send(data, { binary }))
  })
  cleanups.push(() => {
    for (const ws of wss.clients) ws.terminate()
    return new Promise((resolve) => wss.close(resolve))
  })
  return { server, port, heads, sockets }
}

/** A front server whose `'upgrade'` handler is `upgradeAttempts` over round-robin endpoints (heaviest first). */
async function edge(ports: number[], tunnels = new Tunnels(), headTimeoutMs?: number) {
  const clock = systemClock()
  const endpoints: Endpoint[] = ports.map((port, i) => ({
    id: `e${i + 1}`,
    address: '127.0.0.1',
    port,
    weight: ports.length - i,
    labels: {},
  }))
  const candidates: Candidate[] = endpoints.map((endpoint) => ({ endpoint, outstanding: 0 }))
  const balancer = createBalancer(balanceSchema.parse({ kind: 'round-robin' }), { clock, rng: seededRng(1) })
  balancer.update(candidates.map((candidate) => ({ candidate, state: 'up' as const })))
  const results: UpgradeAttemptsResult[] = []
  const { server, port } = await listen((_, res) => res.end('plain'))
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    void upgradeAttempts({
      req,
      socket,
      head,
      pool: { balancer },
      clock,
      requestId: requestIdOf(req.headers['x-request-id']),
      via: viaValue(),
      tunnels,
      headTimeoutMs,
    }).then((result) => results.push(result))
  })
  cleanups.push(() => void tunnels.closeAll())
  return { port, results, candidates, tunnels }
}

/** A WebSocket client through the front; resolves once open, with the 101's headers. */
async function open(port: number) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/chat`, { headers: { 'x-request-id': 'chat-1' } })
  cleanups.push(() => ws.terminate())
  const upgraded = once(ws, 'upgrade')
  await once(ws, 'open') // emitted right after 'upgrade', in the same tick
  const [response] = (await upgraded) as [IncomingMessage]
  return { ws, headers: response.headers }
}

async function echo(ws: WebSocket, text: string): Promise<string> {
  ws.send(text)
  const [data] = (await once(ws, 'message')) as [Buffer]
  return data.toString()
}

/** Waits for a condition that follows an event the test cannot await directly (vitest's timeout applies). */
async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5))
}

async function closedPort(): Promise<{ port: number; reopen: (server: Server) => Promise<void> }> {
  const { server, port } = await listen(() => {})
  await new Promise((resolve) => server.close(resolve))
  return {
    port,
    reopen: async (s: Server) => {
      s.listen(port, '127.0.0.1')
      await once(s, 'listening')
    },
  }
}

describe('upgradeAttempts (WebSocket through the router)', () => {
  it('echoes through the tunnel, with the request id and Via both ways', async () => {
    const up = await echoServer()
    const front = await edge([up.port])
    const { ws, headers } = await open(front.port)
    expect(await echo(ws, 'hello')).toBe('hello')
    expect(await echo(ws, 'again')).toBe('again')
    expect(headers['x-request-id']).toBe('chat-1')
    expect(headers['via']).toBe('1.1 nines-edge')
    expect(up.heads[0]!['x-request-id']).toBe('chat-1')
    expect(up.heads[0]!['via']).toBe('1.1 nines-edge')
    expect(up.heads[0]!['x-forwarded-for']).toBe('127.0.0.1')
    expect(front.results[0]).toMatchObject({ outcome: 'upgraded', status: 101, attempts: 1, endpoint: 'e1' })
    expect(front.tunnels.size).toBe(1)
    expect(front.candidates[0]!.outstanding).toBe(1) // the live tunnel counts
  })

  it('closes the client when the upstream dies, and a new connection works afterwards', async () => {
    const up = await echoServer()
    const front = await edge([up.port])
    const { ws } = await open(front.port)
    expect(await echo(ws, 'one')).toBe('one')
    const closed = once(ws, 'close')
    up.sockets[0]!.terminate()
    await closed
    await waitFor(() => front.tunnels.size === 0)
    expect(front.candidates[0]!.outstanding).toBe(0)
    const again = await open(front.port)
    expect(await echo(again.ws, 'two')).toBe('two')
  })

  it('closes the upstream socket when the client leaves, and a new client is served', async () => {
    const up = await echoServer()
    const front = await edge([up.port])
    const { ws } = await open(front.port)
    expect(await echo(ws, 'one')).toBe('one')
    const upstreamClosed = once(up.sockets[0]!, 'close')
    ws.terminate()
    await upstreamClosed
    await waitFor(() => front.tunnels.size === 0)
    const again = await open(front.port)
    expect(await echo(again.ws, 'two')).toBe('two')
  })

  it('tries the next endpoint when one refuses the connection, and uses it again once it is back', async () => {
    const refused = await closedPort()
    const up = await echoServer()
    const front = await edge([refused.port, up.port])
    const first = await open(front.port)
    expect(await echo(first.ws, 'hi')).toBe('hi')
    expect(front.results[0]).toMatchObject({ outcome: 'upgraded', attempts: 2, endpoint: 'e2' })

    const back = await listen(() => {})
    back.server.close()
    await once(back.server, 'close')
    const wss = new WebSocketServer({ server: back.server })
    wss.on('connection', (ws) => ws.on('message', (data) => ws.send(`e1:${String(data)}`)))
    cleanups.push(() => {
      for (const ws of wss.clients) ws.terminate()
      wss.close()
    })
    await refused.reopen(back.server)
    // Round robin 2:1 picks e1 at least once in three.
    const replies = []
    for (let i = 0; i < 3; i++) replies.push(await echo((await open(front.port)).ws, 'hi'))
    expect(replies).toContain('e1:hi')
    expect(front.results.slice(1).every((r) => r.outcome === 'upgraded' && r.attempts === 1)).toBe(true)
  })

  it('answers 502 with the request id on the raw socket when every endpoint refuses', async () => {
    const refused = await closedPort()
    const front = await edge([refused.port])
    const ws = new WebSocket(`ws://127.0.0.1:${front.port}/chat`, { headers: { 'x-request-id': 'r-502' } })
    ws.on('error', () => {})
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage]
    expect(res.statusCode).toBe(502)
    expect(res.headers['x-request-id']).toBe('r-502')
    res.resume()
    expect(front.results[0]).toMatchObject({ outcome: 'connect-refused', status: 502, answered: true })
  })

  it('relays a non-101 answer with its body and closes the connection', async () => {
    const { port } = await listen((_, res) =>
      res.writeHead(403, { 'content-type': 'text/plain' }).end('go away'),
    )
    const front = await edge([port])
    const ws = new WebSocket(`ws://127.0.0.1:${front.port}/chat`)
    ws.on('error', () => {})
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage]
    const chunks: Buffer[] = []
    res.on('data', (chunk: Buffer) => chunks.push(chunk))
    await once(res, 'end')
    expect(res.statusCode).toBe(403)
    expect(res.headers['via']).toBe('1.1 nines-edge')
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    expect(Buffer.concat(chunks).toString()).toBe('go away')
    expect(front.results[0]).toMatchObject({ outcome: 'status', status: 403, answered: false })
  })

  it('forwards the bytes that came with the head both ways (client head, upstream early bytes)', async () => {
    const { server, port } = await listen(() => {})
    server.on('upgrade', (_req: IncomingMessage, socket: Socket, head: Buffer) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: raw\r\nConnection: Upgrade\r\n\r\nearly;')
      socket.write(Buffer.concat([Buffer.from('head='), head, Buffer.from(';')]))
      socket.pipe(socket)
    })
    const front = await edge([port])
    const client = connect(front.port, '127.0.0.1')
    cleanups.push(() => void client.destroy())
    client.write('GET /raw HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: raw\r\n\r\nfirst')
    let received = ''
    client.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')))
    // The client's early bytes go upstream once the 101 is in (a non-101 answer must not have consumed them).
    await waitFor(() => received.endsWith('early;head=;first'))
    client.write('ping')
    await waitFor(() => received.endsWith('ping'))
    expect(received).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/)
    expect(received).toMatch(/\r\nupgrade: raw\r\n/i)
    expect(received).toMatch(/\r\nconnection: upgrade\r\n/i)
    expect(received).toContain('\r\n\r\nearly;head=;firstping')
  })

  it('closeAll closes live tunnels (graceful shutdown, last step)', async () => {
    const up = await echoServer()
    const front = await edge([up.port])
    const { ws } = await open(front.port)
    expect(await echo(ws, 'x')).toBe('x')
    const closed = once(ws, 'close')
    expect(front.tunnels.closeAll()).toBe(1)
    await closed
    await waitFor(() => front.tunnels.size === 0)
  })

  it('answers 504 when the upstream accepts the connection but never answers the upgrade; it is not retried', async () => {
    const silent = { arrived: 0, closed: 0 }
    const { server, port } = await listen(() => {})
    server.on('upgrade', (_req: IncomingMessage, socket: Socket) => {
      silent.arrived++
      socket.resume() // an upgraded server socket is half-open: its 'end' says the router hung up
      socket.on('end', () => silent.closed++)
      cleanups.push(() => void socket.destroy()) // upgraded sockets are not the server's to close
    })
    const up = await echoServer()
    const front = await edge([port, up.port], new Tunnels(), 200)
    const ws = new WebSocket(`ws://127.0.0.1:${front.port}/chat`, { headers: { 'x-request-id': 'slow-1' } })
    ws.on('error', () => {})
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage]
    res.resume()
    expect(res.statusCode).toBe(504)
    expect(res.headers['x-request-id']).toBe('slow-1')
    expect(front.results[0]).toMatchObject({ outcome: 'per-try-timeout', attempts: 1, answered: true })
    expect(silent.arrived).toBe(1)
    expect(up.heads).toEqual([]) // the upgrade reached the first endpoint: it is not sent to another
    await waitFor(() => silent.closed === 1) // the router closed the connection it gave up on

    const next = await open(front.port) // round robin: the healthy endpoint
    expect(await echo(next.ws, 'ok')).toBe('ok')
  })
})
