import type { TLSSocket } from 'node:tls'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { Clock, Rng } from '@nines/core'
import type { MiddlewareHandler } from 'hono'
import { proxyAttempts } from '../attempts/proxy-attempts.js'
import type { EdgeEnv } from './context.js'
import { hashKeyOf } from './hash-key.js'
import type { Recorder } from './recorder.js'
import { degrade } from './degrade.js'
import { giveUpCode, writeProblem } from './respond.js'

const closeHeader = ['connection', 'close'] as const

export interface ProxyStageOptions {
  readonly clock: Clock
  readonly rng: Rng
  /** `viaValue(instance)`. */
  readonly via: string
  /** Whether a peer's forwarding headers are believed (`compileCidrs(trustedProxies)`); read per request. */
  readonly trusted: () => (address: string) => boolean
  /** Opt-in `x-nines-endpoint` and `x-nines-attempts` response headers; read per request. */
  readonly debug: () => boolean
  /** The client body limit (`limits.maxBodyBytes`): larger gets 413. */
  readonly maxBodyBytes: () => number
  readonly recorder: Recorder
}

/** RFC 5861 §4: the statuses a stale-if-error copy may stand in for. */
const isServerError = (status: number): boolean =>
  status === 500 || status === 502 || status === 503 || status === 504

/**
 * The last stage: the retry loop (balance → forward) streaming between Node's raw request and response
 * and undici, with no Web streams in the body path. What the loop could not serve becomes the route's
 * fallback or a 502/503/504 with a stable code and the request id, written here and nowhere else.
 */
export function proxyStage(options: ProxyStageOptions): MiddlewareHandler<EdgeEnv> {
  const { clock, rng, via, recorder } = options
  return async function proxy(c) {
    const req = c.env.incoming
    const res = c.env.outgoing
    const runtime = c.get('route')
    const { route } = runtime
    const requestId = c.get('requestId')
    const peer = req.socket.remoteAddress
    const stale = c.get('stale')
    const result = await proxyAttempts({
      req,
      res,
      route,
      pool: runtime,
      clock,
      rng,
      requestId,
      via,
      trusted: peer !== undefined && options.trusted()(peer),
      proto: (req.socket as TLSSocket).encrypted ? 'https' : 'http',
      deadline: c.get('arrival') + route.timeouts.overallMs,
      hashKey: hashKeyOf(req.headers, route.balance.hashOn),
      debug: options.debug(),
      maxBodyBytes: options.maxBodyBytes(),
      tap: c.get('tap'),
      // With a stale copy that may stand in, an upstream's 5xx is not relayed: the copy is better.
      replaceStatus: stale !== undefined && stale.usableStale('error') ? isServerError : undefined,
    })
    c.set('result', result)
    if (result.served) {
      recorder.proxied(c, result, undefined, result.status)
    } else if (result.status === undefined) {
      recorder.proxied(c, result, undefined, 0) // the client left: nobody to answer
    } else if (result.status === 413) {
      // The rest of the body is not read: the connection cannot be reused.
      writeProblem(res, 413, 'NINES_ERR_BODY_TOO_LARGE', requestId, undefined, closeHeader)
      recorder.proxied(c, result, 'NINES_ERR_BODY_TOO_LARGE', 413)
    } else {
      const code = giveUpCode(result)
      const why = code === 'NINES_ERR_NO_ENDPOINT' ? 'no-endpoint' : 'error'
      degrade(c, { why, status: result.status, code, result }, options)
    }
    return RESPONSE_ALREADY_SENT
  }
}
