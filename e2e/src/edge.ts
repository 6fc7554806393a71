// What the nines-edge scenarios share: the deployment they write, the demo endpoints behind it, a bounded
// keep-alive load and readers of the admin API.
import { join } from 'node:path'
import { Pool } from 'undici'
import { fastHttpCheck } from './deployment.js'
import {
  freePort,
  startEdge,
  startEndpointProcess,
  waitFor,
  type EndpointProcess,
  type RunningEdge,
} from './harness.js'

export const host = 'app.e2e.test'

export interface EdgeEndpoint {
  name: string
  stack: string
  address: string
  port: number
}

/** Three endpoints, one per stack, on their own loopback addresses and one shared port. */
export async function threeEndpoints(subnet: number): Promise<EdgeEndpoint[]> {
  const port = await freePort(`127.0.${subnet}.11`)
  return [
    { name: 'a', stack: 'node-http', address: `127.0.${subnet}.11`, port },
    { name: 'b', stack: 'hono', address: `127.0.${subnet}.12`, port },
    { name: 'c', stack: 'raw', address: `127.0.${subnet}.13`, port },
  ]
}

/** The ports a deployment is written with: the edge's listener, its admin port, and a nines-dns's. */
export interface EdgePorts {
  edge: number
  admin: number
  dns?: number
  dnsAdmin?: number
  dir: string
}

export interface EdgeOptions {
  /** Merged into the instance's `edge` entry. */
  edge?: Record<string, unknown>
  /** Merged into the pool. */
  pool?: Record<string, unknown>
  /** Merged into the route. */
  route?: Record<string, unknown>
  /** Extra instances (a nines-dns beside the edge), given the ports. */
  instances?: (ports: EdgePorts) => Record<string, unknown>
  /** Extra top-level keys (a `dns` section). */
  top?: Record<string, unknown>
}

/** The whole deployment file: one instance `edge`, one pool `app`, one route for `app.e2e.test`. */
export function edgeDeployment(
  ports: EdgePorts,
  endpoints: readonly EdgeEndpoint[],
  options: EdgeOptions = {},
): object {
  return {
    instances: {
      edge: {
        edge: {
          listen: [`127.0.0.1:${ports.edge}`],
          debugHeaders: true,
          shutdownTimeoutMs: 5000,
          ...options.edge,
        },
        admin: { address: '127.0.0.1', port: ports.admin },
        stateDir: join(ports.dir, 'edge'),
      },
      ...options.instances?.(ports),
    },
    log: { level: 'info' },
    health: { firstRoundCapMs: 5000 },
    pools: {
      app: {
        check: fastHttpCheck,
        ejection: { consecutiveGatewayFailure: 3, baseEjectionTimeMs: 2000 },
        endpoints: endpoints.map(({ name, address, port, stack }) => ({
          name,
          address,
          port,
          labels: { stack },
        })),
        ...options.pool,
      },
    },
    edge: {
      routes: [
        {
          host,
          pool: 'app',
          name: 'app',
          // Short enough that the hang scenario moves on quickly, long enough for a busy CI machine.
          timeouts: { perTryMs: 1000, overallMs: 8000 },
          ...options.route,
        },
      ],
    },
    ...options.top,
  }
}

/** Demo endpoint processes by name; `start` (re)starts one on its address and port. */
export class Endpoints {
  readonly running = new Map<string, EndpointProcess>()
  constructor(readonly list: readonly EdgeEndpoint[]) {}

  async start(name: string): Promise<EndpointProcess> {
    const endpoint = this.list.find((e) => e.name === name)!
    const started = await startEndpointProcess(endpoint)
    this.running.set(name, started)
    return started
  }

  async startAll(): Promise<void> {
    await Promise.all(this.list.map((e) => this.start(e.name)))
  }

  /** `POST /__nines/QUERY` on the endpoint itself (not through the edge). */
  async control(name: string, query: string): Promise<void> {
    const response = await fetch(`${this.running.get(name)!.url}/__nines/${query}`, {
      method: 'POST',
      signal: AbortSignal.timeout(2000),
    })
    if (response.status >= 300) throw new Error(`${name} ${query}: ${response.status}`)
  }

  async kill(name: string): Promise<void> {
    const endpoint = this.running.get(name)!
    endpoint.signal('SIGKILL')
    await endpoint.exited
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.values()].map((e) => e.stop()))
  }
}

export interface Answer {
  status: number
  endpoint?: string
  attempts?: number
  body: string
  headers: Record<string, string | string[] | undefined>
}

/** A keep-alive client of the edge: every request carries `Host: app.e2e.test`. */
export class EdgeClient {
  readonly pool: Pool
  constructor(url: string, connections = 8) {
    this.pool = new Pool(url, { connections, keepAliveTimeout: 2000, pipelining: 1 })
  }

  async request(
    path = '/',
    init: { method?: 'GET' | 'POST'; body?: string; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const response = await this.pool.request({
      path,
      method: init.method ?? 'GET',
      headers: { host, ...init.headers },
      body: init.body,
      headersTimeout: 10_000,
      bodyTimeout: 10_000,
    })
    const body = await response.body.text()
    const endpoint = response.headers['x-nines-endpoint']
    const attempts = response.headers['x-nines-attempts']
    return {
      status: response.statusCode,
      endpoint: typeof endpoint === 'string' ? endpoint : undefined,
      attempts: typeof attempts === 'string' ? Number(attempts) : undefined,
      body,
      headers: response.headers,
    }
  }

  close(): Promise<void> {
    return this.pool.destroy()
  }
}

export interface LoadResult {
  ok: number
  failures: { status?: number; error?: string; body?: string }[]
  /** Served 2xx responses by the endpoint header (`a`, …). */
  byEndpoint: Record<string, number>
  /** Served 2xx responses by the attempts header. */
  byAttempts: Record<number, number>
  total: number
}

export interface Load {
  readonly result: LoadResult
  /** Stops the loops (at once, or when a cap is reached) and resolves with the result. */
  stop(): Promise<LoadResult>
}

/**
 * Steady, bounded GET load: `loops` concurrent loops, each one request after the other, until `stop`,
 * `maxRequests` in all or `maxMs`. Every non-2xx answer and every error is a failure.
 */
export function startLoad(
  client: EdgeClient,
  options: { loops?: number; maxRequests?: number; maxMs?: number; path?: string; pauseMs?: number } = {},
): Load {
  const { loops = 6, maxRequests = 20_000, maxMs = 30_000, path = '/', pauseMs = 5 } = options
  const result: LoadResult = { ok: 0, failures: [], byEndpoint: {}, byAttempts: {}, total: 0 }
  let stopped = false
  const deadline = Date.now() + maxMs
  const loop = async () => {
    while (!stopped && result.total < maxRequests && Date.now() < deadline) {
      result.total++
      try {
        const answer = await client.request(path)
        if (answer.status >= 200 && answer.status < 300) {
          result.ok++
          const endpoint = answer.endpoint ?? '?'
          result.byEndpoint[endpoint] = (result.byEndpoint[endpoint] ?? 0) + 1
          const attempts = answer.attempts ?? 0
          result.byAttempts[attempts] = (result.byAttempts[attempts] ?? 0) + 1
        } else {
          result.failures.push({ status: answer.status, body: answer.body.slice(0, 200) })
        }
      } catch (error) {
        result.failures.push({ error: String(error) })
      }
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs))
    }
  }
  const running = Promise.all(Array.from({ length: loops }, loop))
  return {
    result,
    async stop() {
      stopped = true
      await running
      return result
    },
  }
}

/** Waits until `count` more 2xx responses have been served since the call. */
export async function served(load: Load, count: number, timeoutMs = 15_000): Promise<void> {
  const from = load.result.ok
  await waitFor(() => load.result.ok >= from + count, timeoutMs)
}

/** Counts answers by endpoint over `n` sequential GETs; throws on a failure. */
export async function sample(client: EdgeClient, n: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {}
  for (let i = 0; i < n; i++) {
    const answer = await client.request('/')
    if (answer.status !== 200) throw new Error(`sample: ${answer.status} ${answer.body}`)
    seen[answer.endpoint ?? '?'] = (seen[answer.endpoint ?? '?'] ?? 0) + 1
  }
  return seen
}

/** Waits until `endpoint` (`b`) serves again through the edge. */
export async function servesAgain(client: EdgeClient, endpoint: string, timeoutMs = 20_000): Promise<void> {
  await waitFor(async () => (await sample(client, 6))[endpoint] !== undefined, timeoutMs, 100)
}

export async function adminJson<T = unknown>(edge: RunningEdge, path: string): Promise<T> {
  const response = await fetch(`${edge.adminUrl}${path}`, { signal: AbortSignal.timeout(5000) })
  return (await response.json()) as T
}

export interface EdgeStatus {
  pools: {
    pool: string
    panic: boolean
    healthy: number
    ejected: number
    endpoints: {
      id: string
      serving: string
      inFlight: number
      ejectedUntil: string | null
      timesEjected: number
    }[]
  }[]
  routes: { name: string; host: string; pool: string }[]
}

/** Sums a Prometheus metric's samples whose labels include every given label. */
export async function metric(
  edge: RunningEdge,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const response = await fetch(`${edge.adminUrl}/metrics`, { signal: AbortSignal.timeout(5000) })
  const text = await response.text()
  let sum = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    const labelText = /\{(.*)\}/.exec(line)?.[1] ?? ''
    if (Object.entries(labels).some(([k, v]) => !labelText.includes(`${k}="${v}"`))) continue
    sum += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return sum
}

/** Starts the edge over `endpoints` and waits until every endpoint has served a request through it. */
export async function startEdgeOver(
  endpoints: readonly EdgeEndpoint[],
  options: EdgeOptions & { args?: string[]; extra?: ('dns' | 'dnsAdmin')[] } = {},
): Promise<{ edge: RunningEdge; client: EdgeClient }> {
  const edge = await startEdge((ports) => edgeDeployment(ports, endpoints, options), {
    args: options.args,
    extra: options.extra,
  })
  const client = new EdgeClient(edge.url)
  try {
    await waitFor(
      async () => {
        const seen = await sample(client, 12)
        return endpoints.every((e) => seen[e.name] !== undefined)
      },
      20_000,
      100,
    )
  } catch (error) {
    // The caller never gets them to stop: nothing may outlive a failed start.
    await client.close()
    await edge.stop()
    throw error
  }
  return { edge, client }
}
