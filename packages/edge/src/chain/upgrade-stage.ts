import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { TLSSocket } from 'node:tls'
import type { Clock } from '@nines/core'
import { upgradeAttempts, type UpgradeAttemptsResult } from '../attempts/upgrade-attempts.js'
import { requestIdOf } from '../proxy/request-id.js'
import type { Tunnels } from '../proxy/tunnels.js'
import { writeRawError } from '../proxy/upgrade.js'
import type { RouteRuntime } from '../router/router.js'
import type { RouteTable } from '../routes/table.js'
import { hashKeyOf } from './hash-key.js'

export interface UpgradeStageOptions {
  readonly clock: Clock
  readonly table: () => RouteTable<RouteRuntime>
  readonly via: string
  readonly trusted: () => (address: string) => boolean
  /** Live tunnels, closed last at shutdown. */
  readonly tunnels: Tunnels
  /** Every upgrade request once answered or tunnelled (metrics, logs). */
  readonly onUpgrade?: (
    result: UpgradeAttemptsResult & { readonly route: string | undefined; readonly requestId: string },
  ) => void
}

/**
 * The server's `'upgrade'` event (WebSocket): the same route table as the chain, then the upgrade loop
 * (the next endpoint only while nothing was sent). A miss is answered on the raw socket with the status
 * the chain would give (421 or 404); errors carry the request id.
 */
export function upgradeStage(
  options: UpgradeStageOptions,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { clock, via, tunnels } = options
  return function upgrade(req, socket, head) {
    const requestId = requestIdOf(req.headers['x-request-id'])
    const match = options.table().match(req.headers.host ?? '', req.url ?? '/')
    if (match.route === undefined) {
      writeRawError(socket, match.miss === 'unknown-host' ? 421 : 404, requestId, via)
      options.onUpgrade?.({
        outcome: undefined,
        status: match.miss === 'unknown-host' ? 421 : 404,
        answered: true,
        attempts: 0,
        endpoint: undefined,
        route: undefined,
        requestId,
      })
      return
    }
    const runtime = match.route
    const peer = req.socket.remoteAddress
    void upgradeAttempts({
      req,
      socket,
      head,
      pool: runtime,
      clock,
      requestId,
      via,
      trusted: peer !== undefined && options.trusted()(peer),
      proto: (req.socket as TLSSocket).encrypted ? 'https' : 'http',
      hashKey: hashKeyOf(req.headers, runtime.route.balance.hashOn),
      maxAttempts: runtime.route.retry.maxAttempts,
      headTimeoutMs: runtime.route.timeouts.perTryMs,
      tunnels,
    }).then((result) => options.onUpgrade?.({ ...result, route: runtime.route.name, requestId }))
  }
}
