import { isNinesError } from '@nines/core'
import { maxOverrideTtlMs, type AvailabilityLedger, type Monitor } from '@nines/health'
import { problem, type Logger } from '@nines/ops'
import type { Context, Hono } from 'hono'
import { z } from 'zod'
import { monitorId } from './targets.js'

const overrideBody = z.strictObject({
  state: z.enum(['drain', 'up', 'down']),
  reason: z.string().min(1).max(200),
  planned: z.boolean().optional(),
  ttlMs: z
    .number()
    .int()
    .positive()
    .max(maxOverrideTtlMs, { error: `expected at most ${maxOverrideTtlMs} (about 24.8 days)` })
    .optional(),
})

/** One endpoint as operators read it: observed and forced state side by side, and the last probe. */
export function endpointView(monitor: Monitor, pool: string, id: string) {
  const status = monitor.get(monitorId(pool, id))
  return (
    status && {
      id,
      pool,
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

export interface HealthRoutesOptions {
  readonly monitor: Monitor
  readonly ledger: AvailabilityLedger
  readonly logger: Logger
}

/** The health part of every daemon's admin API: endpoints, overrides, availability. */
export function addHealthRoutes(app: Hono, { monitor, ledger, logger }: HealthRoutesOptions): void {
  const notFound = (c: Context, pool: string, endpoint: string) =>
    problem(c, 404, 'NINES_ERR_NOT_FOUND', `no endpoint "${endpoint}" in pool "${pool}"`)

  app.get('/endpoints', (c) =>
    c.json(
      monitor.list().map((s) => {
        const pool = s.pool ?? ''
        return endpointView(monitor, pool, s.endpoint.id.slice(pool.length + 1))
      }),
    ),
  )

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
    if (!status) return notFound(c, pool, endpoint)
    logger.info({ pool, endpoint, override: parsed.data }, 'override set')
    return saved(c, () => c.json(endpointView(monitor, pool, endpoint)))
  })

  app.delete('/overrides/:pool/:endpoint', async (c) => {
    const { pool, endpoint } = c.req.param()
    const status = monitor.clearOverride(monitorId(pool, endpoint))
    if (!status) return notFound(c, pool, endpoint)
    logger.info({ pool, endpoint }, 'override cleared')
    return saved(c, () => c.json(endpointView(monitor, pool, endpoint)))
  })

  /**
   * An override is acknowledged only once it is on disk: one that is in force but would be lost on
   * restart is a 500 that says so, never a 200.
   */
  async function saved(c: Context, ok: () => Response): Promise<Response> {
    try {
      await monitor.flush()
      return ok()
    } catch (error) {
      if (!isNinesError(error)) throw error
      logger.error({ err: error }, 'override in force but not saved')
      return problem(
        c,
        500,
        error.code,
        `in force in this process but not saved, so a restart would lose it: ${error.message}`,
      )
    }
  }

  // The number of nines per endpoint and pool (the seeds' availability report).
  app.get('/availability', (c) => {
    const { endpoints, pools } = ledger.subjects()
    return c.json({
      pools: pools.map((pool) => ledger.report({ pool })),
      endpoints: endpoints.map((endpoint) => ledger.report(endpoint)),
    })
  })
}
