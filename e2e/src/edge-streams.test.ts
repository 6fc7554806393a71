import { connect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import type { EdgeClient } from './edge.js'
import { Endpoints, host, served, servesAgain, startEdgeOver, startLoad, threeEndpoints } from './edge.js'
import { waitFor, type RunningEdge } from './harness.js'

// Long-lived client connections through the built nines-edge: WebSocket and server-sent events outlive
// another endpoint's death; slow clients cannot starve the others.
describe('nines-edge keeps streams and normal clients going', () => {
  let endpoints: Endpoints | undefined
  let edge: RunningEdge | undefined
  let client: EdgeClient | undefined
  const cleanups: (() => void)[] = []

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup()
    await client?.close()
    await edge?.stop()
    await endpoints?.stopAll()
    client = edge = endpoints = undefined
  })

  it('a WebSocket echo and an SSE stream keep working while another endpoint is killed', async () => {
    endpoints = new Endpoints(await threeEndpoints(51))
    await endpoints.startAll()
    ;({ edge, client } = await startEdgeOver(endpoints.list))

    // WebSocket: every message comes back from the endpoint that took the upgrade.
    const ws = new WebSocket(`ws://127.0.0.1:${edge.port}/chat`, { headers: { host } })
    cleanups.push(() => ws.terminate())
    const echoes: { name: string; echo: string }[] = []
    ws.on('message', (data: Buffer) =>
      echoes.push(JSON.parse(data.toString()) as { name: string; echo: string }),
    )
    let wsClosed = false
    ws.on('close', () => (wsClosed = true))
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    ws.send('hello')
    await waitFor(() => echoes.length === 1, 5000)
    const wsName = echoes[0]!.name

    // SSE: an event every 100 ms, each naming the endpoint that sends it.
    const sse = await client.pool.request({
      path: '/api/events?everyMs=100',
      method: 'GET',
      headers: { host, accept: 'text/event-stream' },
      headersTimeout: 5000,
      bodyTimeout: 0,
    })
    expect(sse.statusCode).toBe(200)
    expect(String(sse.headers['content-type'])).toContain('text/event-stream')
    const events: { name: string; id: number }[] = []
    let sseEnded = false
    let buffered = ''
    sse.body.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      for (const match of buffered.matchAll(/^data: (.*)$/gm))
        events.push(JSON.parse(match[1]!) as { name: string; id: number })
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1)
    })
    sse.body.on('end', () => (sseEnded = true))
    sse.body.on('error', () => (sseEnded = true))
    cleanups.push(() => sse.body.destroy())
    await waitFor(() => events.length >= 2, 5000)
    const sseName = events[0]!.name

    // Kill an endpoint that serves neither stream.
    const victim = ['a', 'b', 'c'].find((n) => n !== wsName && n !== sseName)!
    const load = startLoad(client, { loops: 4, maxMs: 20_000 })
    await served(load, 50)
    await endpoints.kill(victim)
    await served(load, 200)

    const eventsBefore = events.length
    for (let i = 0; i < 10; i++) ws.send(`after-${i}`)
    await waitFor(() => echoes.length === 11, 5000)
    await waitFor(() => events.length >= eventsBefore + 10, 5000)
    expect(echoes.every((e) => e.name === wsName)).toBe(true)
    expect(echoes.slice(1).map((e) => e.echo)).toEqual(Array.from({ length: 10 }, (_, i) => `after-${i}`))
    expect(events.every((e) => e.name === sseName)).toBe(true)
    // One unbroken stream: ids without gaps.
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => events[0]!.id + i))
    expect(wsClosed).toBe(false)
    expect(sseEnded).toBe(false)

    // The dead endpoint heals.
    await endpoints.start(victim)
    const before = load.result.byEndpoint[victim] ?? 0
    await waitFor(() => (load.result.byEndpoint[victim] ?? 0) > before, 15_000)
    const result = await load.stop()
    expect(result.failures).toEqual([])
    await servesAgain(client, victim)
  })

  it('slowloris clients do not slow the others, and are cut by limits.headersTimeoutMs', async () => {
    endpoints = new Endpoints(await threeEndpoints(52))
    await endpoints.startAll()
    ;({ edge, client } = await startEdgeOver(endpoints.list, {
      edge: { limits: { headersTimeoutMs: 1000 } },
    }))

    const load = startLoad(client, { loops: 6, maxMs: 20_000 })
    await served(load, 50)
    // 100 connections that send a request line and then one header line every 200 ms.
    const slow: Socket[] = []
    const closed = new Set<Socket>()
    const answers: string[] = []
    for (let i = 0; i < 100; i++) {
      const socket = connect(edge.port, '127.0.0.1')
      socket.on('error', () => closed.add(socket))
      socket.on('close', () => closed.add(socket))
      socket.on('data', (chunk: Buffer) => answers.push(chunk.toString().split('\r\n')[0]!))
      socket.write(`GET / HTTP/1.1\r\nHost: ${host}\r\n`)
      slow.push(socket)
    }
    let line = 0
    const trickle = setInterval(() => {
      line++
      for (const socket of slow) if (!closed.has(socket)) socket.write(`X-Slow-${line}: ${'x'.repeat(8)}\r\n`)
    }, 200)
    cleanups.push(() => {
      clearInterval(trickle)
      for (const socket of slow) socket.destroy()
    })

    const servedBefore = load.result.ok
    // Every slow client is cut (within the header timeout plus Node's sweep, on a busy machine: generous).
    await waitFor(() => closed.size === slow.length, 15_000)
    clearInterval(trickle)
    expect(load.result.ok).toBeGreaterThan(servedBefore)
    await served(load, 100)
    const result = await load.stop()
    expect(result.failures).toEqual([])
    // None of them got a normal answer: at most a 408.
    expect(answers.filter((a) => !a.startsWith('HTTP/1.1 408'))).toEqual([])
    // And everything still serves.
    for (const name of ['a', 'b', 'c']) await servesAgain(client, name)
  })
})
