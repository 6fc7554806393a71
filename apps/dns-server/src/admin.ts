import { InvalidArgumentError } from '@nines/core'
import type { ExplainQuestion, Explanation } from '@nines/dns'
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
  /** Undefined before the first table; throws InvalidArgumentError for a question it cannot read. */
  readonly explain: (question: ExplainQuestion) => Explanation | undefined
  /** False for a name without priority state; throws InvalidArgumentError for a priority it cannot take. */
  readonly failback: (name: string, toPriority: number) => boolean
}

/** The explain link of a dynamic name, for /status: the first place to look when an answer surprises. */
const explainLink = (name: string) => `/explain?${new URLSearchParams({ name, type: 'A' }).toString()}`

/** nines-dns's own admin routes: what each name answers now and why, and manual failback. */
export function dnsRoutes(app: Hono, options: DnsRoutesOptions): void {
  const { monitor } = options

  app.get('/status', (c) => {
    const snapshot = options.snapshot()
    const names = (snapshot?.names ?? []).map((name) => ({
      ...name,
      explain: explainLink(name.name),
      endpoints: name.endpoints.map((e) => ({ ...e, ...endpointView(monitor, name.pool, e.id) })),
    }))
    return c.json({
      instance: options.instance,
      ready: options.ready(),
      builtAt: snapshot ? new Date(snapshot.builtAt).toISOString() : null,
      names,
    })
  })

  // What a client would be answered now and why, step by step, read from the table the server answers from.
  app.get('/explain', (c) => {
    const { name, type, client } = c.req.query()
    let explanation: Explanation | undefined
    try {
      explanation = options.explain({
        name: name ?? '',
        ...(type === undefined ? {} : { type }),
        ...(client === undefined ? {} : { client }),
      })
    } catch (error) {
      if (error instanceof InvalidArgumentError)
        return problem(c, 400, 'NINES_ERR_BAD_REQUEST', error.message)
      throw error
    }
    if (explanation === undefined)
      return problem(c, 503, 'NINES_ERR_NOT_READY', 'no answers yet: waiting for the first probe round')
    return c.json(explanation)
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
