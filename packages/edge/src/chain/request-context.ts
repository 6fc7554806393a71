import type { Clock } from '@nines/core'
import type { MiddlewareHandler } from 'hono'
import { requestIdOf } from '../proxy/request-id.js'
import type { EdgeEnv } from './context.js'

/** First stage: the request id (kept if sane, generated if not) and the arrival time. */
export function requestContext(clock: Clock): MiddlewareHandler<EdgeEnv> {
  return function requestContext(c, next) {
    c.set('requestId', requestIdOf(c.env.incoming.headers['x-request-id']))
    c.set('arrival', clock.now())
    return next()
  }
}
