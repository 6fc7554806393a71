// The app's HTTP client as a native app has it: names resolved by @nines/client over every nameserver
// (TTL cache, staggered asks), each connect trying the answered addresses in turn (a refused router
// moves on to the next at once, an address that just failed is tried last), keep-alive connections, and
// the retry rules of browsers and OkHttp.
import { createNodeResolver, type NodeResolver, type NodeResolverOptions } from '@nines/client/node'
import { Agent, request } from 'undici'
import { edgeOf, errorCode, isConnectionError, isNotSent, resultOf, type Outcome } from './outcome.js'
import { requestSpecs } from './requests.js'
import { routeMemory } from './routes.js'

export interface ClientOptions {
  /** `127.0.0.1:P` … (UDP, TCP fallback), or any spec `createNodeResolver` takes. */
  nameservers: string[]
  /** The routers' port. */
  port: number
  /** Default `app.nines.test`. */
  host?: string
  resolver?: Partial<NodeResolverOptions>
  /** Per request, retry included; default 5000. */
  timeoutMs?: number
  /** Idle keep-alive connections are closed after this long; default 2000. */
  keepAliveTimeoutMs?: number
  /**
   * A connection is closed after this many requests, so that new connections (and new lookups) follow
   * DNS while the traffic never idles; default 20.
   */
  requestsPerConnection?: number
}

export interface SendOptions {
  /** Default a fixed demo account. */
  account?: string
}

export interface AppClient {
  readonly resolver: NodeResolver
  readonly agent: Agent
  /** One request of `name` (see requestSpecs), retried by the client's rules; never rejects. */
  send(name: string, options?: SendOptions): Promise<Outcome>
  close(): Promise<void>
}

interface Attempt {
  status?: number
  headers?: Record<string, string | string[] | undefined>
  code?: string
  /** The connection failed after the response had started. */
  midBody?: boolean
}

export function createAppClient(options: ClientOptions): AppClient {
  const host = options.host ?? 'app.nines.test'
  const timeoutMs = options.timeoutMs ?? 5000
  const resolver = createNodeResolver({ ...options.resolver, nameservers: options.nameservers })
  const routes = routeMemory(resolver.lookup, options.resolver?.connectAttemptTimeoutMs ?? 250)
  const agent = new Agent({
    connect: routes.connect,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 2000,
    maxRequestsPerClient: options.requestsPerConnection ?? 20,
  })
  const origin = `http://${host}:${options.port}`

  async function attempt(
    method: string,
    path: string,
    body: string | undefined,
    signal: AbortSignal,
  ): Promise<Attempt> {
    let status: number | undefined
    let headers: Attempt['headers']
    try {
      const response = await request(`${origin}${path}`, {
        dispatcher: agent,
        method,
        signal,
        ...(body !== undefined && { body, headers: { 'content-type': 'application/json' } }),
      })
      status = response.statusCode
      headers = response.headers
      // Read it all: a statement cut halfway is a failure the user sees.
      for await (const chunk of response.body) void chunk
      return { status, headers }
    } catch (error) {
      return { status, headers, code: errorCode(error), midBody: status !== undefined }
    }
  }

  return {
    resolver,
    agent,
    async send(name, { account = 'alice' } = {}) {
      const spec = requestSpecs[name]
      if (!spec) throw new Error(`unknown request ${name}`)
      const { path, body, requestId } = spec.make(account)
      const at = Date.now()
      const started = performance.now()
      const signal = AbortSignal.timeout(timeoutMs)
      let result = await attempt(spec.method, path, body, signal)
      let retried = false
      // GET is idempotent: once more after any connection error. A POST only when nothing was sent.
      const code = result.code
      if (code !== undefined && !signal.aborted) {
        const again = spec.method === 'GET' ? isConnectionError(code) : isNotSent(code)
        if (again) {
          retried = true
          result = await attempt(spec.method, path, body, signal)
        }
      }
      const outcome: Outcome = {
        at,
        ms: Math.round(performance.now() - started),
        class: spec.class,
        name,
        method: spec.method,
        result: 'failed',
        retried,
        ...(requestId !== undefined && { requestId }),
      }
      if (result.status !== undefined) outcome.status = result.status
      const edge = edgeOf(result.headers?.via)
      if (edge !== undefined) outcome.edge = edge
      const endpoint = result.headers?.['x-nines-endpoint']
      if (typeof endpoint === 'string') outcome.endpoint = endpoint
      if (result.code !== undefined) {
        outcome.error = result.midBody ? `${result.code} (mid-body)` : result.code
      } else {
        outcome.result = resultOf(result.status!, result.headers ?? {})
        if (outcome.result === 'failed') outcome.error = `status ${result.status}`
      }
      return outcome
    },
    async close() {
      await agent.close()
      resolver.close()
    },
  }
}
