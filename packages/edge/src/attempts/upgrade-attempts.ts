import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Clock } from '@nines/core'
import type { Balancer } from '../balance/types.js'
import type { Ejector } from '../eject/ejector.js'
import { attemptOutcome } from '../eject/outcome.js'
import { upstreamRequestHeaders } from '../proxy/headers.js'
import type { Tunnels } from '../proxy/tunnels.js'
import { forwardUpgrade, writeRawError, type UpgradeOutcome } from '../proxy/upgrade.js'

export interface UpgradeAttemptsInput {
  /** The three arguments of the server's `'upgrade'` event. */
  readonly req: IncomingMessage
  readonly socket: Duplex
  readonly head: Buffer
  /** The route's pool: its balancer picks, its ejector (optional) hears every attempt. */
  readonly pool: { readonly balancer: Balancer; readonly ejector?: Ejector | undefined }
  readonly clock: Clock
  readonly requestId: string
  readonly via: string
  readonly trusted?: boolean | undefined
  readonly proto?: 'http' | 'https' | undefined
  readonly hashKey?: string | undefined
  /** Endpoints tried at most (the route's `retry.maxAttempts`); default 3. */
  readonly maxAttempts?: number | undefined
  readonly connectTimeoutMs?: number | undefined
  readonly headTimeoutMs?: number | undefined
  readonly tunnels?: Tunnels | undefined
}

export interface UpgradeAttemptsResult {
  /** The last attempt's outcome; `undefined` when no endpoint could be picked. */
  readonly outcome: UpgradeOutcome | undefined
  /** 101, the relayed status, or the 502/503/504 this loop wrote itself (`answered`). */
  readonly status: number
  /** True when this loop wrote the error response (nothing was relayed). */
  readonly answered: boolean
  readonly attempts: number
  readonly endpoint: string | undefined
}

/**
 * The retry loop of one upgrade request: pick an endpoint (tried ones and their stacks avoided), try it,
 * and on a connect failure (nothing sent) try the next, up to `maxAttempts`. Anything else is final: a
 * sent upgrade is never repeated. When nothing was relayed it answers on the raw socket itself: 503 when no
 * endpoint could be picked, 504 after a head timeout, else 502, each with the request id. An upgraded
 * endpoint's `outstanding` counts the tunnel until it closes, so `p2c` balances live connections.
 */
export async function upgradeAttempts(input: UpgradeAttemptsInput): Promise<UpgradeAttemptsResult> {
  const { pool, clock } = input
  const headers = upstreamRequestHeaders({
    rawHeaders: input.req.rawHeaders,
    peerAddress: input.req.socket.remoteAddress,
    trusted: input.trusted ?? false,
    proto: input.proto ?? 'http',
    requestId: input.requestId,
    via: input.via,
    upgrade: true,
  })
  const maxAttempts = input.maxAttempts ?? 3
  const tried = new Set<string>()
  const triedStacks = new Set<string>()
  const pick = { key: input.hashKey, exclude: tried, avoidStacks: triedStacks }
  let attempts = 0
  let outcome: UpgradeOutcome | undefined
  let endpoint: string | undefined
  while (attempts < maxAttempts) {
    const candidate = pool.balancer.pick(pick)
    if (candidate === undefined) break
    endpoint = candidate.endpoint.id
    tried.add(endpoint)
    const stack = candidate.endpoint.labels.stack
    if (stack !== undefined) triedStacks.add(stack)
    attempts++
    const started = clock.now()
    candidate.outstanding++
    const result = await forwardUpgrade({
      req: input.req,
      socket: input.socket,
      head: input.head,
      target: candidate.endpoint,
      headers,
      requestId: input.requestId,
      via: input.via,
      connectTimeoutMs: input.connectTimeoutMs,
      headTimeoutMs: input.headTimeoutMs,
      tunnels: input.tunnels,
      onClose: () => candidate.outstanding--,
    })
    if (result.outcome !== 'upgraded') candidate.outstanding--
    outcome = result.outcome
    if (outcome === 'client-closed') return { outcome, status: 0, answered: false, attempts, endpoint }
    pool.ejector?.observe({
      endpointId: endpoint,
      outcome:
        outcome === 'upgraded' || outcome === 'status'
          ? attemptOutcome('status', result.status)
          : attemptOutcome(outcome),
      latencyMs: clock.now() - started,
    })
    if (outcome === 'upgraded' || outcome === 'status')
      return { outcome, status: result.status, answered: false, attempts, endpoint }
    const connectFailure = outcome === 'connect-refused' || outcome === 'connect-timeout'
    if (!connectFailure || result.bytesSent > 0) break
  }
  const status = outcome === undefined ? 503 : outcome === 'per-try-timeout' ? 504 : 502
  writeRawError(input.socket, status, input.requestId, input.via)
  return { outcome, status, answered: true, attempts, endpoint }
}
