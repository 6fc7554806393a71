import { createServer, type IncomingMessage, type Server } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import {
  adminJson,
  EdgeClient,
  Endpoints,
  metric,
  served,
  startEdgeOver,
  startLoad,
  threeEndpoints,
  type EdgeStatus,
  edgeDeployment,
} from './edge.js'
import { freePort, startEdge, waitFor, type RunningEdge } from './harness.js'

// Faults of one upstream under steady GET load through the built nines-edge: clients see none of them,
// and each fault heals (the endpoint serves through the edge again).
describe('nines-edge hides an upstream fault from clients, and takes the endpoint back when it heals', () => {
  let endpoints: Endpoints | undefined
  let edge: RunningEdge | undefined
  let client: EdgeClient | undefined

  afterEach(async () => {
    await client?.close()
    await edge?.stop()
    await endpoints?.stopAll()
    client = edge = endpoints = undefined
  })

  const setUp = async (subnet: number) => {
    endpoints = new Endpoints(await threeEndpoints(subnet))
    await endpoints.startAll()
    ;({ edge, client } = await startEdgeOver(endpoints.list))
    return { endpoints, edge, client }
  }

  it('an upstream killed with SIGKILL under load: no GET fails; restarted, it serves again', async () => {
    const { endpoints, client } = await setUp(41)
    const load = startLoad(client, { loops: 6, maxMs: 20_000 })
    await served(load, 100)
    await endpoints.kill('a')
    await served(load, 300)
    const before = load.result.byEndpoint['a'] ?? 0
    await served(load, 200)
    // a is out (refused, then down and ejected): it served nothing more.
    expect(load.result.byEndpoint['a'] ?? 0).toBe(before)

    await endpoints.start('a')
    await waitFor(() => (load.result.byEndpoint['a'] ?? 0) > before, 15_000)
    const result = await load.stop()
    expect(result.failures).toEqual([])
    expect(result.byEndpoint['b']).toBeGreaterThan(0)
    expect(result.byEndpoint['c']).toBeGreaterThan(0)
  })

  it('an upstream that hangs: the per-try timeout moves requests elsewhere; set=ok brings it back', async () => {
    const { endpoints, edge, client } = await setUp(42)
    const load = startLoad(client, { loops: 6, maxMs: 25_000 })
    await served(load, 100)
    await endpoints.control('b', 'mode?set=hang')
    // Requests that went to b time out after the per-try timeout (1 s) and are served by another endpoint on a second try.
    await waitFor(() => (load.result.byAttempts[2] ?? 0) > 0, 10_000)
    // Active checks (timeout 250 ms, fall 3) take b out, or ejection does.
    await waitFor(async () => {
      const status = await adminJson<EdgeStatus>(edge, '/status')
      const b = status.pools[0]!.endpoints.find((e) => e.id === 'b')!
      return b.serving !== 'up' || b.ejectedUntil !== null
    }, 10_000)
    const before = load.result.byEndpoint['b'] ?? 0

    await endpoints.control('b', 'mode?set=ok')
    await waitFor(() => (load.result.byEndpoint['b'] ?? 0) > before, 15_000)
    const result = await load.stop()
    expect(result.failures).toEqual([])
    expect(result.byAttempts[2]).toBeGreaterThan(0)
  })

  it('a 503 storm from one stack: ejected, no 503 reaches a GET client; set=ok: back after the ejection', async () => {
    const { endpoints, edge, client } = await setUp(43)
    const load = startLoad(client, { loops: 6, maxMs: 25_000 })
    await served(load, 100)
    // The demo stacks answer 503 (and their health check too) while failing.
    const direct = await fetch(`${endpoints.running.get('c')!.url}/`)
    expect(direct.status).toBe(200)
    await endpoints.control('c', 'mode?set=fail')
    expect((await fetch(`${endpoints.running.get('c')!.url}/`)).status).toBe(503)
    await waitFor(async () => (await metric(edge, 'nines_edge_ejections_total', { pool: 'app' })) > 0, 10_000)
    const status = await adminJson<EdgeStatus>(edge, '/status')
    expect(status.pools[0]!.endpoints.find((e) => e.id === 'c')!.timesEjected).toBeGreaterThan(0)
    await served(load, 200)
    const before = load.result.byEndpoint['c'] ?? 0

    await endpoints.control('c', 'mode?set=ok')
    // Back once the ejection (2 s × n) is over and the active check rose again.
    await waitFor(() => (load.result.byEndpoint['c'] ?? 0) > before, 20_000)
    const result = await load.stop()
    expect(result.failures).toEqual([])
  })
})

// Upstreams of our own that count the bodies they receive and then reset the connection without a word.
describe('nines-edge never sends a POST twice after the upstream may have acted on it', () => {
  let edge: RunningEdge | undefined
  let client: EdgeClient | undefined
  const servers: Server[] = []

  afterEach(async () => {
    await client?.close()
    await edge?.stop()
    await Promise.all(
      servers.splice(0).map(
        (s) =>
          new Promise((resolve) => {
            s.closeAllConnections()
            s.close(resolve)
          }),
      ),
    )
    client = edge = undefined
  })

  it('a reset after the body: POST gets a 502 and reaches one upstream once; GET is retried', async () => {
    const received: { method: string; name: string; body: string }[] = []
    const addresses = ['127.0.44.11', '127.0.44.12', '127.0.44.13']
    const port = await freePort(addresses[0])
    const resetting = new Set<string>()
    const list = await Promise.all(
      addresses.map(async (address, i) => {
        const name = 'abc'[i]!
        const server = createServer((req: IncomingMessage, res) => {
          if (req.url === '/health') return res.end('ok')
          let body = ''
          req.on('data', (chunk: Buffer) => (body += chunk.toString()))
          req.on('end', () => {
            received.push({ method: req.method!, name, body })
            if (resetting.has(name)) return req.socket.destroy()
            res.setHeader('content-type', 'application/json')
            res.end(JSON.stringify({ name }))
          })
        })
        servers.push(server)
        await new Promise<void>((resolve) => server.listen(port, address, resolve))
        return { name, stack: ['node-http', 'hono', 'raw'][i]!, address, port }
      }),
    )
    // Ejection off: this scenario is about retries, not about who stays in the pool.
    edge = await startEdge((ports) => edgeDeployment(ports, list, { pool: { ejection: { enabled: false } } }))
    client = new EdgeClient(edge.url, 2)
    await waitFor(async () => (await client!.request('/')).status === 200, 15_000, 100)

    // Every endpoint resets after the body: whichever one the edge picks, the POST reaches it and dies there.
    for (const name of ['a', 'b', 'c']) resetting.add(name)
    received.length = 0
    const post = await client.request('/orders', {
      method: 'POST',
      body: 'order-1',
      headers: { 'content-type': 'text/plain' },
    })
    expect(post.status).toBe(502)
    expect(post.headers['x-nines-error']).toBeTruthy()
    expect(post.headers['x-request-id']).toBeTruthy()
    expect(received.filter((r) => r.body === 'order-1')).toHaveLength(1)

    // The same situation for a GET on one endpoint only: retried elsewhere and served.
    resetting.clear()
    resetting.add('a')
    let retried = false
    for (let i = 0; i < 20 && !retried; i++) {
      received.length = 0
      const get = await client.request('/items')
      expect(get.status).toBe(200)
      if (received.length === 2) {
        expect(received[0]!.name).toBe('a')
        expect(get.attempts).toBe(2)
        retried = true
      }
    }
    expect(retried, '20 GETs and none went to a first').toBe(true)

    // The way back: the resets end, and a POST is answered by whichever endpoint gets it, once.
    resetting.clear()
    received.length = 0
    const healed = await client.request('/orders', { method: 'POST', body: 'order-2' })
    expect(healed.status).toBe(200)
    expect(received.filter((r) => r.body === 'order-2')).toHaveLength(1)
  })
})
