import { type AvailabilityLedger, type Monitor } from '@nines/health'
import { createAdminApp, problem, type Logger, type Metrics } from '@nines/ops'
import { z } from 'zod'
import type { Snapshot } from './daemon.js'
import { monitorId } from './daemon.js'

export interface AdminAppOptions {
  readonly metrics: Metrics
  readonly monitor: Monitor
  readonly ledger: AvailabilityLedger
  readonly instance: string
  readonly token: string | undefined
  readonly ready: () => boolean | { ready: boolean; reason: string }
  readonly snapshot: () => Snapshot | undefined
  readonly failback: (name: string, toPriority: number) => boolean
  readonly logger: Logger
}

const overrideBody = z.strictObject({
  state: z.enum(['drain', 'up', 'down']),
  reason: z.string().min(1).max(200),
  planned: z.boolean().optional(),
  ttlMs: z.number().int().positive().optional(),
})

/** The admin API of nines-dns: the shared ops routes plus what the DNS server believes and why. */
export function adminApp(options: AdminAppOptions) {
  const { monitor } = options
  const app = createAdminApp({
    metrics: options.metrics,
    ready: options.ready,
    ...(options.token ? { token: options.token } : {}),
    logger: options.logger,
  })

  const endpointView = (pool: string, id: string) => {
    const status = monitor.get(monitorId(pool, id))
    return (
      status && {
        id,
        address: status.endpoint.address,
        port: status.endpoint.port,
        observed: status.observed,
        override: status.override ?? null,
        effective: status.effective,
        since: new Date(status.since).toISOString(),
        reason: status.reason,
        suppressed: status.suppressed,
        lastProbe: status.lastResult
          ? {
              ...status.lastResult,
              at: status.lastProbeAt ? new Date(status.lastProbeAt).toISOString() : null,
            }
          : null,
      }
    )
  }

  // Each name: what it answers now and why, with every endpoint's observed and forced state.
  app.get('/status', (c) => {
    const snapshot = options.snapshot()
    const names = (snapshot?.names ?? []).map((name) => ({
      ...name,
      endpoints: name.endpoints.map((e) => ({ ...e, ...endpointView(name.pool, e.id) })),
    }))
    return c.json({
      instance: options.instance,
      ready: options.ready() === true,
      builtAt: snapshot ? new Date(snapshot.builtAt).toISOString() : null,
      names,
    })
  })

  app.get('/overrides', (c) =>
    c.json(
      monitor
        .list()
        .filter((s) => s.override)
        .map((s) => ({ endpoint: s.endpoint.id, ...s.override })),
    ),
  )

  app.put('/overrides/:pool/:endpoint', async (c) => {
    const parsed = overrideBody.safeParse(await c.req.json().catch(() => undefined))
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      return problem(c, 400, 'NINES_ERR_BAD_REQUEST', `${issue?.path.join('.') || 'body'}: ${issue?.message}`)
    }
    const { pool, endpoint } = c.req.param()
    const status = monitor.setOverride(monitorId(pool, endpoint), parsed.data)
    if (!status) return problem(c, 404, 'NINES_ERR_NOT_FOUND', `no endpoint "${endpoint}" in pool "${pool}"`)
    options.logger.info({ pool, endpoint, override: parsed.data }, 'override set')
    return c.json(endpointView(pool, endpoint))
  })

  app.delete('/overrides/:pool/:endpoint', (c) => {
    const { pool, endpoint } = c.req.param()
    const status = monitor.clearOverride(monitorId(pool, endpoint))
    if (!status) return problem(c, 404, 'NINES_ERR_NOT_FOUND', `no endpoint "${endpoint}" in pool "${pool}"`)
    options.logger.info({ pool, endpoint }, 'override cleared')
    return c.json(endpointView(pool, endpoint))
  })

  // Manual failback of a priority name (policy.priority.failback: manual) to a better group.
  app.post('/failback/:name', async (c) => {
    const body = (await c.req.json().catch(() => ({}))) as { priority?: unknown }
    const to = typeof body.priority === 'number' ? body.priority : 0
    const name = c.req.param('name').replace(/\.$/, '').toLowerCase()
    if (!options.failback(name, to))
      return problem(c, 404, 'NINES_ERR_NOT_FOUND', `no dynamic name "${name}"`)
    return c.json({ name, priority: to })
  })

  // The number of nines per endpoint and pool (the seeds' availability report).
  app.get('/availability', (c) => {
    const { endpoints, pools } = options.ledger.subjects()
    return c.json({
      pools: pools.map((pool) => options.ledger.report({ pool })),
      endpoints: endpoints.map((endpoint) => options.ledger.report(endpoint)),
    })
  })

  return app
}
