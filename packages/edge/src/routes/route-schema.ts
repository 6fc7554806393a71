import { z } from 'zod'
import { balanceSchema } from '../balance/schema.js'
import { routeCacheSchema } from '../cache/options.js'
import { retrySchema } from '../retry/options.js'
import { hostPatternSchema } from './host.js'

/** A request's criticality: decides who is shed first in the busy hour (`critical` last). */
export const requestClassSchema = z.enum(['critical', 'normal', 'sheddable'])
export type RequestClass = z.output<typeof requestClassSchema>

/**
 * A path prefix matched on segment boundaries: `/api` matches `/api`, `/api/` and `/api/x`, never
 * `/apix`. So a trailing slash would mean nothing and is refused, as are empty segments, `?`, `#`
 * and `*`. Matched case-sensitively against the raw (not percent-decoded) path.
 */
export const pathPrefixSchema = z.string().superRefine((prefix, ctx) => {
  if (prefix === '/' || /^(?:\/[^/?#*\s]+)+$/.test(prefix)) return
  const hint =
    prefix.length > 1 && prefix.endsWith('/')
      ? `; write ${JSON.stringify(prefix.replace(/\/+$/, ''))}: a prefix matches on segment boundaries`
      : ''
  ctx.addIssue({
    code: 'custom',
    input: prefix,
    message: `expected a path prefix such as / or /api/v1 (no trailing slash, ?, # or *), got ${JSON.stringify(prefix)}${hint}`,
  })
})

/** Per-try and overall deadlines of a proxied request; `perTryMs` defaults to min(5 s, overallMs). */
export const routeTimeoutsSchema = z
  .strictObject({
    perTryMs: z.number().int().min(1).max(3_600_000).optional(),
    /** Envoy's route timeout default: 15 s from the request's arrival to the response's headers. */
    overallMs: z.number().int().min(1).max(3_600_000).default(15_000),
  })
  .superRefine((timeouts, ctx) => {
    if (timeouts.perTryMs !== undefined && timeouts.perTryMs > timeouts.overallMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['perTryMs'],
        input: timeouts.perTryMs,
        message: `expected at most overallMs (${timeouts.overallMs}), got ${timeouts.perTryMs}`,
      })
    }
  })
  .transform(({ perTryMs, overallMs }) => ({ perTryMs: perTryMs ?? Math.min(5_000, overallMs), overallMs }))
  .prefault({})

const headerName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9a-z-]+$/i, 'expected a header name such as cache-control')
const headerValue = z.string().regex(/^[^\r\n\0]*$/, 'expected a header value without CR, LF or NUL')

/** The response sent when nothing can serve the route and no stale copy may stand in. */
export const fallbackSchema = z
  .strictObject({
    status: z.number().int().min(200).max(599).default(503),
    headers: z.record(headerName, headerValue).default({}),
    body: z.string().default(''),
  })
  .superRefine((fallback, ctx) => {
    if ((fallback.status === 204 || fallback.status === 304) && fallback.body !== '') {
      ctx.addIssue({
        code: 'custom',
        path: ['body'],
        input: fallback.body,
        message: `expected no body: a ${fallback.status} response has none`,
      })
    }
  })

/** A route's name in metrics and logs: letters, digits, dashes and dots, so it is a tidy label value. */
export const routeNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9.-]*$/i, 'expected a route name of letters, digits, dashes and dots')
  .max(100)

/** Host and path prefix → pool, with how requests to it are treated. */
export const routeSchema = z
  .strictObject({
    /** Default: host and path prefix (`app.nines.test/api`), unique because the pair is. */
    name: routeNameSchema.optional(),
    host: hostPatternSchema,
    pathPrefix: pathPrefixSchema.default('/'),
    /** A name from the top-level `pools`; checked by `checkRouteReferences`. */
    pool: z.string().min(1, { error: 'expected a pool name' }),
    class: requestClassSchema.default('normal'),
    timeouts: routeTimeoutsSchema,
    /** When and how a failed attempt is tried again (`retrySchema`, the Retries section of the README). */
    retry: retrySchema.prefault({}),
    /** How requests spread over the pool's endpoints (`balanceSchema`, the Balancers section of the README). */
    balance: balanceSchema.prefault({}),
    /** Stored copies of its responses (RFC 9111) and when a stale one may stand in (`routeCacheSchema`). */
    cache: routeCacheSchema,
    fallback: fallbackSchema.optional(),
  })
  // Every later stage reads `name` without a fallback of its own.
  .transform(({ name, ...route }) => ({
    name: name ?? `${route.host}${route.pathPrefix === '/' ? '' : route.pathPrefix}`,
    ...route,
  }))

/** The routes of the deployment; a (host, pathPrefix) pair is routed once. */
export const routesSchema = z
  .array(routeSchema)
  .min(1, { error: 'expected at least one route' })
  .superRefine((routes, ctx) => {
    const seen = new Map<string, number>()
    const names = new Map<string, number>()
    routes.forEach((route, i) => {
      // host patterns never contain a space, so this key is unambiguous.
      const key = `${route.host} ${route.pathPrefix}`
      const first = seen.get(key)
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'pathPrefix'],
          input: route.pathPrefix,
          message: `host ${route.host} with pathPrefix ${route.pathPrefix} is also routes[${first}]`,
        })
        return
      }
      seen.set(key, i)
      // Two routes with one name would add up in one metrics series.
      const named = names.get(route.name)
      if (named === undefined) names.set(route.name, i)
      else
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          input: route.name,
          message: `expected a name of its own: ${route.name} is also routes[${named}]`,
        })
    })
  })

export type RouteInput = z.input<typeof routeSchema>
/** A parsed route, every default applied. */
export type Route = z.output<typeof routeSchema>
export type RouteTimeouts = z.output<typeof routeTimeoutsSchema>
export type Fallback = z.output<typeof fallbackSchema>
