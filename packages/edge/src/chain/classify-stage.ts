import type { MiddlewareHandler } from 'hono'
import type { RequestClass } from '../routes/route-schema.js'
import type { EdgeEnv } from './context.js'

/** The request header a client (or a trusted proxy in front) names a request's class with. */
export const classHeader = 'x-nines-class'

const rank: Readonly<Record<string, number>> = { critical: 0, normal: 1, sheddable: 2 }

/**
 * Sets the request's class: its route's, unless `x-nines-class` names another. Anyone may lower their
 * own request's class (a prefetch saying `sheddable` costs nobody else anything); only a trusted proxy
 * may raise it, so a client cannot buy its way into the critical share.
 */
export function classifyStage(trusted: () => (address: string) => boolean): MiddlewareHandler<EdgeEnv> {
  return function classify(c, next) {
    let cls = c.get('route').route.class
    const asked = c.env.incoming.headers[classHeader]
    if (typeof asked === 'string') {
      const wanted = rank[asked]
      if (wanted !== undefined && wanted !== rank[cls]) {
        const peer = c.env.incoming.socket.remoteAddress
        if (wanted > rank[cls]! || (peer !== undefined && trusted()(peer))) cls = asked as RequestClass
      }
    }
    c.set('class', cls)
    return next()
  }
}
