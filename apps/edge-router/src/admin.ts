import type { Admission } from '@nines/edge'
import type { Hono } from 'hono'
import type { EdgeNode } from './node.js'

/**
 * nines-edge's admin routes beside the health ones: `/status` shows every pool as the router sees it
 * (effective state after overrides, ejection, panic, requests in flight, admission) and the routes in
 * force.
 */
export function edgeRoutes(app: Hono, options: { node: () => EdgeNode | undefined }): void {
  app.get('/status', (c) => {
    const node = options.node()
    if (node === undefined)
      return c.json({ workers: true, note: 'each worker balances on its own; see /metrics and /endpoints' })
    const pools = [...node.router.pools.values()].map((pool) => ({
      pool: pool.name,
      panic: pool.view.panic,
      healthy: pool.view.healthy,
      eligible: pool.view.eligible,
      ejected: pool.ejector.ejectedCount,
      // The limit, and requests in flight and waiting per class; null when the pool's admission is off.
      admission: admissionStatus(pool.admission),
      endpoints: pool.view.members.map(({ candidate, state }) => {
        const ejection = pool.ejector.status(candidate.endpoint.id)
        return {
          id: candidate.endpoint.id,
          serving: state,
          inFlight: candidate.outstanding,
          ejectedUntil: ejection?.ejected ? new Date(ejection.until).toISOString() : null,
          timesEjected: ejection?.timesEjected ?? 0,
        }
      }),
    }))
    const routes = (node.config.edge?.routes ?? []).map((r) => ({
      name: r.name,
      host: r.host,
      pathPrefix: r.pathPrefix,
      pool: r.pool,
      class: r.class,
    }))
    return c.json({ pools, routes, connections: node.connections, cache: node.cache?.snapshot() ?? null })
  })
}

function admissionStatus(admission: Admission | undefined) {
  if (admission === undefined) return null
  const { limit, inflight, queued } = admission.snapshot()
  return { limit, baselineMs: Math.round(admission.baselineMs * 10) / 10, inflight, queued }
}
