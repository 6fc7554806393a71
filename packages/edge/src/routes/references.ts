import type { Route } from './route-schema.js'

/** A problem the route schema alone cannot see; `path` is relative to the routes list. */
export interface RouteProblem {
  readonly path: (string | number)[]
  readonly message: string
}

/**
 * Routes whose pool is not configured. Meant for the app's superRefine, like `checkZoneReferences`:
 * prefix each path with where the routes sit in the file (`['edge', 'routes']`).
 */
export function checkRouteReferences(
  routes: readonly Pick<Route, 'pool'>[],
  poolNames: ReadonlySet<string>,
): RouteProblem[] {
  const pools = [...poolNames].sort().join(', ') || 'none'
  const problems: RouteProblem[] = []
  routes.forEach((route, i) => {
    if (!poolNames.has(route.pool)) {
      problems.push({ path: [i, 'pool'], message: `unknown pool "${route.pool}" (pools: ${pools})` })
    }
  })
  return problems
}
