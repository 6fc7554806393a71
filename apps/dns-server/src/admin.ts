import { InvalidArgumentError } from '@nines/core'
import { endpointView } from '@nines/daemon'
import type { Monitor } from '@nines/health'
import { problem } from '@nines/ops'
import type { Hono } from 'hono'
import type { Snapshot } from './answers.js'

export interface DnsRoutesOptions {
  readonly monitor: Monitor
  readonly instance: string
  readonly ready: () => boolean
  readonly snapshot: () => Snapshot | undefined
  /** False for a name without priority state; throws InvalidArgumentError for a priority it cannot take. */
  readonly failback: (name: string, toPriority: number) => boolean
}

/** nines-dns's own admin routes: what each name answers now and why, and manual failback. */
export function dnsRoutes(app: Hono, options: DnsRoutesOptions): void {
  const { monitor } = options

  app.get('/status', (c) => {
    const snapshot = options.snapshot()
    const names = (snapshot?.names ?? []).map((name) => ({
      ...name,
      endpoints: name.endpoints.map((e) => ({ ...e, ...endpointView(monitor, name.pool, e.id) })),
    }))
    return c.json({
      instance: options.instance,
      ready: options.ready(),
      builtAt: snapshot ? new Date(snapshot.builtAt).toISOString() : null,
      names,
    })
  })

  // Manual failback of a priority name (policy.priority.failback: manual) to a better group.
  app.post('/failback/:name', async (c) => {
    const body: unknown = await c.req.json().catch(() => ({}))
    const given = typeof body === 'object' && body !== null ? (body as { priority?: unknown }).priority : 0
    const to = given ?? 0
    const name = c.req.param('name').replace(/\.$/, '').toLowerCase()
    if (typeof to !== 'number')
      return problem(
        c,
        400,
        'NINES_ERR_BAD_REQUEST',
        `priority: expected an integer >= 0, got ${JSON.stringify(to)}`,
      )
    try {
      if (!options.failback(name, to))
        return problem(c, 404, 'NINES_ERR_NOT_FOUND', `no dynamic name "${name}"`)
    } catch (error) {
      if (error instanceof InvalidArgumentError)
        return problem(c, 400, 'NINES_ERR_BAD_REQUEST', error.message)
      throw error
    }
    return c.json({ name, priority: to })
  })
}
