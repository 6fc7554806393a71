import type { AdminConfig } from '@nines/ops'
import type { BaseConfig } from './schema.js'

export type OverrideAction = 'drain' | 'up' | 'down' | 'clear'
export const overrideActions: readonly OverrideAction[] = ['drain', 'up', 'down', 'clear']

export interface OverrideRequest {
  readonly pool: string
  readonly endpoint: string
  readonly action: OverrideAction
  /** Required by the admin API for drain, up and down. */
  readonly reason: string
  readonly ttlMs?: number
}

/**
 * What one instance said. `not-monitored` (404): it does not probe that pool or endpoint, which is
 * expected (a DNS server and an edge router need not serve the same pools), so it is no failure.
 */
export interface InstanceOutcome {
  readonly instance: string
  readonly result: 'ok' | 'not-monitored' | 'unreachable' | 'error'
  readonly detail: string
}

export interface OverrideAllOptions {
  /** Only these instances (default: every instance of the file). */
  readonly instances?: readonly string[]
  /** Per instance; an instance that does not answer within it is unreachable. Default 5000. */
  readonly timeoutMs?: number
}

/**
 * Sends one override to every instance of the deployment at once (planned maintenance: drain an
 * endpoint everywhere, DNS servers and edge routers alike), through each one's admin API with its own
 * address and token. Resolves with one outcome per instance, in the file's order; never rejects.
 */
export async function overrideAll(
  config: BaseConfig,
  request: OverrideRequest,
  { instances = Object.keys(config.instances), timeoutMs = 5_000 }: OverrideAllOptions = {},
): Promise<InstanceOutcome[]> {
  return Promise.all(
    instances.map(async (instance): Promise<InstanceOutcome> => {
      const admin = config.instances[instance]?.admin
      if (admin === undefined) return { instance, result: 'error', detail: 'not an instance of this file' }
      return { instance, ...(await send(admin, request, timeoutMs)) }
    }),
  )
}

async function send(
  admin: AdminConfig,
  { pool, endpoint, action, reason, ttlMs }: OverrideRequest,
  timeoutMs: number,
): Promise<Omit<InstanceOutcome, 'instance'>> {
  const host = admin.address.includes(':') ? `[${admin.address}]` : admin.address
  const url = `http://${host}:${admin.port}/overrides/${encodeURIComponent(pool)}/${encodeURIComponent(endpoint)}`
  const headers: Record<string, string> = admin.token ? { authorization: `Bearer ${admin.token}` } : {}
  let response: Response
  try {
    response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      ...(action === 'clear'
        ? { method: 'DELETE', headers }
        : {
            method: 'PUT',
            headers: { ...headers, 'content-type': 'application/json' },
            body: JSON.stringify({ state: action, reason, ...(ttlMs === undefined ? {} : { ttlMs }) }),
          }),
    })
  } catch (error) {
    const cause = (error as Error).cause
    const why =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${timeoutMs} ms`
        : cause instanceof Error
          ? cause.message
          : (error as Error).message
    return { result: 'unreachable', detail: `${url}: ${why}` }
  }
  const body = (await response.json().catch(() => undefined)) as
    { effective?: string; error?: { message?: string } } | undefined
  if (response.ok) return { result: 'ok', detail: `effective ${body?.effective ?? 'unknown'}` }
  const message = body?.error?.message ?? response.statusText
  if (response.status === 404) return { result: 'not-monitored', detail: message }
  return { result: 'error', detail: `HTTP ${response.status}: ${message}` }
}

/** One line per instance, names aligned. */
export function formatOutcomes(outcomes: readonly InstanceOutcome[]): string[] {
  const width = Math.max(0, ...outcomes.map((o) => o.instance.length))
  const label = {
    ok: 'ok',
    'not-monitored': 'not monitored there (404)',
    unreachable: 'unreachable',
    error: 'error',
  }
  return outcomes.map((o) => `${o.instance.padEnd(width)}  ${label[o.result]}: ${o.detail}`)
}

/**
 * 1 if an instance that should have taken it failed or could not be reached, or if none knows the
 * endpoint (a typo in POOL/ENDPOINT must not look like success); else 0.
 */
export function overrideExitCode(outcomes: readonly InstanceOutcome[]): 0 | 1 {
  if (outcomes.some((o) => o.result === 'error' || o.result === 'unreachable')) return 1
  return outcomes.some((o) => o.result === 'ok') ? 0 : 1
}
