import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { MiddlewareHandler } from 'hono'
import type { RouteRuntime } from '../router/router.js'
import { missResponse } from '../routes/miss.js'
import type { RouteTable } from '../routes/table.js'
import type { EdgeEnv } from './context.js'
import { writeProblem } from './respond.js'
import type { Recorder } from './recorder.js'

/**
 * Matches Host and path against the route table in force (read per request, so a reload swaps it
 * whole). An unknown host gets 421, a known host without a matching prefix 404: never a 5xx.
 */
export function routeStage(
  table: () => RouteTable<RouteRuntime>,
  recorder: Recorder,
): MiddlewareHandler<EdgeEnv> {
  return function route(c, next) {
    const req = c.env.incoming
    const match = table().match(req.headers.host ?? '', req.url ?? '/')
    if (match.route !== undefined) {
      c.set('route', match.route)
      return next()
    }
    const miss = missResponse(match.miss)
    const code = match.miss === 'unknown-host' ? 'NINES_ERR_UNKNOWN_HOST' : 'NINES_ERR_NO_ROUTE'
    writeProblem(c.env.outgoing, miss.status, code, c.get('requestId'), miss.body)
    recorder.missed(c, miss.status, code)
    return Promise.resolve(RESPONSE_ALREADY_SENT)
  }
}
