import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { Clock } from '@nines/core'
import type { MiddlewareHandler } from 'hono'
import type { Admission, Admit } from '../admit/admission.js'
import type { AttemptsResult } from '../attempts/proxy-attempts.js'
import type { EdgeEnv } from './context.js'
import { degrade, type DegradeOptions } from './degrade.js'

/** A shed client may try again in a second: by then the queue has turned over many times. */
const shedHeaders = ['retry-after', '1'] as const

/**
 * Admission by the pool's adaptive limit, per class: admitted at once, after a wait in the class's
 * queue, or shed (503 with `Retry-After`, unless a stale copy or the fallback stands in). The permit is
 * held until the response ends, and the upstream's latency then feeds the pool's limit.
 */
export function admitStage(options: DegradeOptions & { readonly clock: Clock }): MiddlewareHandler<EdgeEnv> {
  const { clock } = options
  // A pool without admission passes straight on: no async frame or promise of this stage per request.
  return function admit(c, next) {
    const admission = c.get('route').pool.admission
    return admission === undefined ? next() : admitted(c, next, admission)
  }

  async function admitted(
    c: Parameters<MiddlewareHandler<EdgeEnv>>[0],
    next: Parameters<MiddlewareHandler<EdgeEnv>>[1],
    admission: Admission,
  ): Promise<Response | void> {
    const runtime = c.get('route')
    const deadline = c.get('arrival') + runtime.route.timeouts.overallMs
    const pending = admission.acquire(c.get('class'), deadline)
    const decision: Admit = pending instanceof Promise ? await pending : pending
    if (decision.queuedMs > 0) c.set('queuedMs', decision.queuedMs)
    if (!decision.admitted) {
      c.set('shed', decision.reason)
      degrade(c, { why: 'shed', status: 503, code: 'NINES_ERR_SHED', extra: shedHeaders }, options)
      return RESPONSE_ALREADY_SENT
    }
    const { permit } = decision
    if (c.env.outgoing.destroyed) {
      permit.release() // the client left while it waited
      return RESPONSE_ALREADY_SENT
    }
    const start = clock.now()
    try {
      return await next()
    } finally {
      permit.release(sampleOf(c.get('result'), clock.now() - start))
    }
  }
}

/**
 * What a finished request tells the limit: the serving attempt's latency; a timeout or an upstream's
 * 503 is a drop (the pool is past its capacity); a refused connection or a client that left says
 * nothing about capacity and is not sampled.
 */
function sampleOf(
  result: AttemptsResult | undefined,
  elapsedMs: number,
): { rttMs: number; dropped: boolean } | undefined {
  if (result === undefined) return undefined
  if (result.served) return { rttMs: result.upstreamMs, dropped: result.status === 503 }
  if (result.reason === 'deadline' || result.lastOutcome === 'per-try-timeout')
    return { rttMs: elapsedMs, dropped: true }
  return undefined
}
