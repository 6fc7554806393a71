import { execFile } from 'node:child_process'
import { rename, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import {
  adminJson,
  EdgeClient,
  edgeDeployment,
  Endpoints,
  metric,
  sample,
  served,
  startEdgeOver,
  startLoad,
  threeEndpoints,
  type EdgeOptions,
  type EdgePorts,
  type EdgeStatus,
} from './edge.js'
import {
  addresses,
  dnsMain,
  edgeMain,
  spawnProcess,
  startEndpointProcess,
  waitFor,
  type RunningEdge,
  type SpawnedDns,
} from './harness.js'

const run = promisify(execFile)

// Operating the built nines-edge under load: drain with the one-command override, reload (file and
// SIGHUP, and a broken file refused), SIGTERM with requests in flight, and --workers.
describe('operating nines-edge under load', () => {
  let endpoints: Endpoints | undefined
  let edge: RunningEdge | undefined
  let client: EdgeClient | undefined
  let dns: SpawnedDns | undefined
  const stops: (() => Promise<unknown>)[] = []

  afterEach(async () => {
    await client?.close()
    await edge?.stop()
    if (dns && dns.child.exitCode === null) dns.child.kill('SIGTERM')
    await dns?.exited
    await endpoints?.stopAll()
    await Promise.all(stops.splice(0).map((stop) => stop()))
    client = edge = endpoints = dns = undefined
  })

  const setUp = async (
    subnet: number,
    options: EdgeOptions & { args?: string[]; extra?: ('dns' | 'dnsAdmin')[] } = {},
  ) => {
    endpoints = new Endpoints(await threeEndpoints(subnet))
    await endpoints.startAll()
    ;({ edge, client } = await startEdgeOver(endpoints.list, options))
    return { endpoints, edge, client }
  }

  it('drain with `nines-edge override` reaches the edge and a nines-dns in the same file; clear brings b back', async () => {
    const { endpoints, edge, client } = await setUp(61, {
      extra: ['dns', 'dnsAdmin'],
      instances: (ports) => ({
        dns: {
          dns: { listen: [`127.0.0.1:${ports.dns}`] },
          admin: { address: '127.0.0.1', port: ports.dnsAdmin },
          stateDir: join(ports.dir, 'dns'),
        },
      }),
      top: {
        dns: {
          zones: {
            'e2e.test': {
              ns: [{ name: 'ns1.e2e.test', addresses: ['127.0.0.1'] }],
              names: { app: { pool: 'app' } },
            },
          },
        },
      },
    })
    // The nines-dns instance of the same file.
    dns = spawnProcess(dnsMain, edge.configFile, 'dns')
    await waitFor(
      () => dns!.logs.some((l) => l.msg === 'nines-dns ready') || dns!.child.exitCode !== null,
      30_000,
    )
    expect(dns.stderr()).toBe('')
    const dnsPort = (edge as RunningEdge & { ports: EdgePorts }).ports.dns!
    const b = endpoints.list.find((e) => e.name === 'b')!.address
    await waitFor(async () => (await addresses(dnsPort, 'app.e2e.test')).length === 3, 10_000, 100)

    const load = startLoad(client, { loops: 6, maxMs: 25_000 })
    await served(load, 100)
    expect(load.result.byEndpoint.b).toBeGreaterThan(0)
    const override = (action: string) =>
      run(process.execPath, [
        edgeMain,
        'override',
        'app/b',
        action,
        '--config',
        edge.configFile,
        '--reason',
        'test',
      ])
    await override('drain')
    const atDrain = load.result.byEndpoint.b ?? 0
    await served(load, 300)
    const settled = load.result.byEndpoint.b ?? 0
    // At most the requests that were in flight when the command returned.
    expect(settled - atDrain).toBeLessThanOrEqual(6)
    await served(load, 300)
    expect(load.result.byEndpoint.b ?? 0).toBe(settled)
    const status = await adminJson<EdgeStatus>(edge, '/status')
    expect(status.pools[0]!.endpoints.find((e) => e.id === 'b')!.serving).toBe('drain')
    expect(await addresses(dnsPort, 'app.e2e.test')).not.toContain(b)

    await override('clear')
    await waitFor(() => (load.result.byEndpoint.b ?? 0) > settled, 15_000)
    const result = await load.stop()
    expect(result.failures).toEqual([])
    await waitFor(async () => (await addresses(dnsPort, 'app.e2e.test')).includes(b), 10_000, 100)
  })

  it('reload under load: an endpoint added and removed, routes renamed, by file and SIGHUP; a broken file is refused', async () => {
    const { endpoints, edge, client } = await setUp(62)
    const d = { name: 'd', stack: 'node-http', address: '127.0.62.14', port: endpoints.list[0]!.port }
    const started = await startEndpointProcess(d)
    stops.push(() => started.stop())
    const ports = (edge as RunningEdge & { ports: EdgePorts }).ports
    // Saved as an editor does: a temp file renamed over the old one.
    const save = async (content: object | string) => {
      const temp = join(edge.dir, '.nines.yaml.swp')
      await writeFile(temp, typeof content === 'string' ? content : JSON.stringify(content, null, 2))
      await rename(temp, edge.configFile)
    }

    const load = startLoad(client, { loops: 6, maxMs: 30_000 })
    await served(load, 100)
    await save(
      edgeDeployment({ ...ports, dir: edge.dir }, [...endpoints.list, d], {
        route: { name: 'app-v2', timeouts: { perTryMs: 800, overallMs: 5000 } },
      }),
    )
    edge.signal('SIGHUP')
    await waitFor(
      async () => (await adminJson<EdgeStatus>(edge, '/status')).routes[0]?.name === 'app-v2',
      10_000,
      100,
    )
    await waitFor(() => (load.result.byEndpoint.d ?? 0) > 0, 15_000)

    // A file that does not build: refused, logged, and the running configuration keeps serving.
    const rejectedBefore = edge.logs.filter((l) => String(l.msg).startsWith('configuration rejected')).length
    await save(
      edgeDeployment({ ...ports, dir: edge.dir }, endpoints.list, {
        route: { pool: 'nowhere', name: 'broken' },
      }),
    )
    await waitFor(
      () =>
        edge.logs.filter((l) => String(l.msg).startsWith('configuration rejected')).length > rejectedBefore,
      10_000,
    )
    edge.signal('SIGHUP')
    await served(load, 300)
    const status = await adminJson<EdgeStatus>(edge, '/status')
    expect(status.routes.map((r) => r.name)).toEqual(['app-v2'])
    expect(status.pools[0]!.endpoints.map((e) => e.id).sort()).toEqual(['a', 'b', 'c', 'd'])
    const servedByD = load.result.byEndpoint.d ?? 0
    await waitFor(() => (load.result.byEndpoint.d ?? 0) > servedByD, 10_000)

    // Removing d again: it gets no new requests once the reload is in force.
    await save(edgeDeployment({ ...ports, dir: edge.dir }, endpoints.list, { route: { name: 'app-v3' } }))
    await waitFor(
      async () => (await adminJson<EdgeStatus>(edge, '/status')).routes[0]?.name === 'app-v3',
      10_000,
      100,
    )
    const atRemoval = load.result.byEndpoint.d ?? 0
    await served(load, 300)
    const settled = load.result.byEndpoint.d ?? 0
    expect(settled - atRemoval).toBeLessThanOrEqual(6) // at most those in flight at the swap
    await served(load, 300)
    expect(load.result.byEndpoint.d ?? 0).toBe(settled)
    const result = await load.stop()
    expect(result.failures).toEqual([])
  })

  it('SIGTERM with requests in flight: they finish with 200, new connections are refused, exit 0; monitorPath answers meanwhile', async () => {
    const { endpoints, edge, client } = await setUp(63, {
      route: { timeouts: { perTryMs: 4000, overallMs: 5000 } },
      edge: { monitorPath: '/.nines/health' },
    })
    // The router answers its monitor path itself: not routed (a POST and a longer path are), never cached.
    const monitor = await client.request('/.nines/health?from=dns')
    expect([monitor.status, monitor.body, monitor.endpoint]).toEqual([200, 'ok\n', undefined])
    expect(monitor.headers['cache-control']).toBe('no-store')
    expect((await client.request('/.nines/healthz')).endpoint).toBeDefined()
    expect((await client.request('/.nines/health', { method: 'POST', body: 'x' })).endpoint).toBeDefined()
    for (const name of ['a', 'b', 'c']) await endpoints.control(name, 'mode?set=slow&delayMs=1500')
    const slowClient = new EdgeClient(edge.url, 5)
    stops.push(() => slowClient.close())
    const inFlight = Array.from({ length: 5 }, () => slowClient.request('/'))
    await waitFor(async () => {
      const status = await adminJson<EdgeStatus>(edge, '/status')
      return status.pools[0]!.endpoints.reduce((n, e) => n + e.inFlight, 0) === 5
    }, 5000)
    // With every endpoint slow, the monitor path still answers at once: it does not queue behind the pool.
    const during = await client.request('/.nines/health')
    expect([during.status, during.endpoint]).toEqual([200, undefined])
    edge.signal('SIGTERM')
    await waitFor(
      () =>
        new Promise<boolean>((resolve) => {
          const socket = connect(edge.port, '127.0.0.1')
          socket.once('connect', () => {
            socket.destroy()
            resolve(false)
          })
          socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'))
        }),
      3000,
      50,
    )
    const answers = await Promise.all(inFlight)
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200])
    expect(await edge.exited).toBe(0)
  })

  it('--workers 2: requests are served, /metrics sums the workers, SIGTERM exits 0', async () => {
    const { edge, client } = await setUp(64, { args: ['--workers', '2'] })
    expect(edge.logs.filter((l) => l.msg === 'worker serving')).toHaveLength(2)
    // Workers report their counts to the primary every second: read once two reports agree while idle.
    const requests = () => metric(edge, 'nines_edge_requests_total', { route: 'app' })
    let before = -1
    await waitFor(
      async () => {
        const previous = before
        before = await requests()
        return before === previous
      },
      15_000,
      1500,
    )
    // Fresh connections spread over the workers.
    let sent = 0
    for (let round = 0; round < 4; round++) {
      const fresh = new EdgeClient(edge.url, 8)
      const seen = await Promise.all(Array.from({ length: 8 }, () => sample(fresh, 5)))
      sent += seen.reduce((n, s) => n + Object.values(s).reduce((m, k) => m + k, 0), 0)
      await fresh.close()
    }
    expect(sent).toBe(160)
    await waitFor(async () => (await requests()) - before === sent, 10_000, 200)
    expect(Object.keys(await sample(client, 20)).length).toBeGreaterThan(1)
    edge.signal('SIGTERM')
    expect(await edge.exited).toBe(0)
  })
})
