import { describe, expect, it } from 'vitest'
import { checkRouteReferences } from './references.js'

describe('checkRouteReferences', () => {
  it.each([
    [['app', 'api'], new Set(['app', 'api']), []],
    [
      ['app', 'cms', 'app', 'nope'],
      new Set(['app', 'api']),
      [
        { path: [1, 'pool'], message: 'unknown pool "cms" (pools: api, app)' },
        { path: [3, 'pool'], message: 'unknown pool "nope" (pools: api, app)' },
      ],
    ],
    [['app'], new Set<string>(), [{ path: [0, 'pool'], message: 'unknown pool "app" (pools: none)' }]],
  ])('%j against %j', (pools, poolNames, expected) => {
    expect(
      checkRouteReferences(
        pools.map((pool) => ({ pool })),
        poolNames,
      ),
    ).toEqual(expected)
  })
})
