import { describe, expect, it } from 'vitest'
import { isIdempotent } from '../retry/should-retry.js'
import { routeSchema, routesSchema } from './route-schema.js'

describe('routeSchema', () => {
  it('fills defaults', () => {
    expect(routeSchema.parse({ host: 'App.Nines.Test.', pool: 'app' })).toEqual({
      name: 'app.nines.test',
      host: 'app.nines.test',
      pathPrefix: '/',
      pool: 'app',
      class: 'normal',
      timeouts: { perTryMs: 5_000, overallMs: 15_000 },
      retry: {
        maxAttempts: 3,
        idempotentMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'],
        replayBodyLimitBytes: 65_536,
        backoff: { minMs: 25, maxMs: 250, factor: 2 },
        budget: { percent: 20, minConcurrency: 3, queueMs: 1000 },
      },
      balance: {
        kind: 'p2c',
        boundedLoad: 0.25,
        slowStart: { windowMs: 30_000, minShare: 0.1 },
        locality: { enabled: true, minHealthyShare: 0.5 },
      },
      cache: {
        enabled: true,
        staleIfErrorS: 300,
        staleWhileRevalidateS: 0,
        allowAuthorization: false,
        collapse: true,
      },
    })
  })

  it.each([
    [{ host: 'app.nines.test' }, 'app.nines.test'],
    [{ host: 'app.nines.test', pathPrefix: '/api/v1' }, 'app.nines.test/api/v1'],
    [{ host: '*.nines.test', name: 'wild-1.0' }, 'wild-1.0'],
  ])('names %j %s (a metrics label)', (route, name) => {
    expect(routeSchema.parse({ pool: 'app', ...route }).name).toBe(name)
  })

  it('takes a balance entry and checks it at its path', () => {
    const route = routeSchema.parse({
      host: 'app.nines.test',
      pool: 'app',
      balance: { kind: 'hash', hashOn: { header: 'X-User' } },
    })
    expect(route.balance).toMatchObject({ kind: 'hash', hashOn: { header: 'x-user' } })
  })

  it.each([
    [{}, { perTryMs: 5_000, overallMs: 15_000 }],
    [{ overallMs: 2_000 }, { perTryMs: 2_000, overallMs: 2_000 }],
    [{ perTryMs: 800 }, { perTryMs: 800, overallMs: 15_000 }],
    [
      { perTryMs: 3_000, overallMs: 3_000 },
      { perTryMs: 3_000, overallMs: 3_000 },
    ],
  ])('timeouts %j → %j', (timeouts, expected) => {
    expect(routeSchema.parse({ host: '*', pool: 'app', timeouts }).timeouts).toEqual(expected)
  })

  it('keeps a fallback', () => {
    const route = routeSchema.parse({
      host: '*.nines.test',
      pathPrefix: '/api/v1',
      pool: 'api',
      class: 'critical',
      retry: { maxAttempts: 1, idempotentMethods: ['GET', 'POST'] },
      fallback: { headers: { 'Retry-After': '30' }, body: 'try again soon' },
    })
    expect(route.fallback).toEqual({ status: 503, headers: { 'Retry-After': '30' }, body: 'try again soon' })
  })

  const base = { host: 'app.nines.test', pool: 'app' }
  it.each([
    [{ pool: 'app' }, ['host'], undefined],
    [{ ...base, host: 'app.nines.test:80' }, ['host'], undefined],
    [{ host: 'app.nines.test' }, ['pool'], undefined],
    [{ ...base, pool: '' }, ['pool'], 'expected a pool name'],
    [{ ...base, class: 'batch' }, ['class'], undefined],
    [{ ...base, pathPrefix: 'api' }, ['pathPrefix'], undefined],
    [
      { ...base, pathPrefix: '/api/' },
      ['pathPrefix'],
      'expected a path prefix such as / or /api/v1 (no trailing slash, ?, # or *), got "/api/"; write "/api": a prefix matches on segment boundaries',
    ],
    [{ ...base, pathPrefix: '/api//v1' }, ['pathPrefix'], undefined],
    [{ ...base, pathPrefix: '/api?x=1' }, ['pathPrefix'], undefined],
    [{ ...base, pathPrefix: '/api/*' }, ['pathPrefix'], undefined],
    [{ ...base, pathPrefix: '' }, ['pathPrefix'], undefined],
    [
      { ...base, timeouts: { perTryMs: 20_000 } },
      ['timeouts', 'perTryMs'],
      'expected at most overallMs (15000), got 20000',
    ],
    [{ ...base, timeouts: { overallMs: 0 } }, ['timeouts', 'overallMs'], undefined],
    [{ ...base, timeouts: { perTry: 1 } }, ['timeouts'], undefined],
    [{ ...base, retry: { maxAttempts: 0 } }, ['retry', 'maxAttempts'], undefined],
    [{ ...base, retry: { maxAttempts: 11 } }, ['retry', 'maxAttempts'], undefined],
    [{ ...base, retry: { idempotentMethods: ['get'] } }, ['retry', 'idempotentMethods', 0], undefined],
    [{ ...base, retry: { perTryTimeoutMs: 100 } }, ['retry'], undefined],
    [{ ...base, fallback: { status: 100 } }, ['fallback', 'status'], undefined],
    [{ ...base, fallback: { status: 600 } }, ['fallback', 'status'], undefined],
    [
      { ...base, fallback: { headers: { 'bad header': 'x' } } },
      ['fallback', 'headers', 'bad header'],
      undefined,
    ],
    [
      { ...base, fallback: { headers: { 'x-a': 'one\r\nx-b: two' } } },
      ['fallback', 'headers', 'x-a'],
      'expected a header value without CR, LF or NUL',
    ],
    [
      { ...base, fallback: { status: 204, body: 'x' } },
      ['fallback', 'body'],
      'expected no body: a 204 response has none',
    ],
    [{ ...base, weight: 1 }, [], undefined],
    [{ ...base, name: 'app nines' }, ['name'], 'expected a route name of letters, digits, dashes and dots'],
    [{ ...base, name: '-app' }, ['name'], undefined],
    [{ ...base, balance: { kind: 'random' } }, ['balance', 'kind'], undefined],
    [
      { ...base, balance: { kind: 'hash' } },
      ['balance', 'hashOn'],
      'expected { header } or { cookie } when kind is hash',
    ],
  ])('rejects %j at the exact path', (input, path, message) => {
    const result = routeSchema.safeParse(input)
    expect(result.success).toBe(false)
    const issue = result.error!.issues[0]!
    expect(issue.path).toEqual(path)
    if (message !== undefined) expect(issue.message).toBe(message)
  })
})

describe('routesSchema', () => {
  it.each([
    [[], [], 'expected at least one route'],
    [
      [
        { host: 'app.nines.test', pool: 'a' },
        { host: 'app.nines.test', pathPrefix: '/api', pool: 'a' },
        { host: 'APP.nines.test.', pathPrefix: '/', pool: 'b' },
      ],
      [2, 'pathPrefix'],
      'host app.nines.test with pathPrefix / is also routes[0]',
    ],
    [
      [
        { host: '*', pathPrefix: '/x', pool: 'a' },
        { host: '*', pathPrefix: '/x', pool: 'a' },
      ],
      [1, 'pathPrefix'],
      'host * with pathPrefix /x is also routes[0]',
    ],
    [
      [
        { host: 'app.nines.test', pool: 'a' },
        { host: 'api.nines.test', pool: 'a', name: 'app.nines.test' },
      ],
      [1, 'name'],
      'expected a name of its own: app.nines.test is also routes[0]',
    ],
    [
      [
        { host: 'app.nines.test', pool: 'a' },
        { host: 'app.nines.test', pathPrefix: 'x', pool: 'a' },
      ],
      [1, 'pathPrefix'],
      undefined,
    ],
  ])('rejects %j at the exact path', (input, path, message) => {
    const result = routesSchema.safeParse(input)
    expect(result.success).toBe(false)
    const issue = result.error!.issues[0]!
    expect(issue.path).toEqual(path)
    if (message !== undefined) expect(issue.message).toBe(message)
  })

  it('takes the same prefix on different hosts and different prefixes on one host', () => {
    const routes = [
      { host: 'app.nines.test', pool: 'a' },
      { host: '*.nines.test', pool: 'a' },
      { host: '*', pool: 'a' },
      { host: 'app.nines.test', pathPrefix: '/api', pool: 'b' },
    ]
    expect(routesSchema.parse(routes)).toHaveLength(4)
  })
})

describe('a route and isIdempotent', () => {
  it.each([
    [undefined, 'GET', true],
    [undefined, 'PUT', true],
    [undefined, 'POST', false],
    [undefined, 'PATCH', false],
    [['GET', 'POST'], 'POST', true],
    [['GET', 'POST'], 'PUT', false],
  ])('idempotentMethods %j: %s → %s', (idempotentMethods, method, expected) => {
    const route = routeSchema.parse({
      host: '*',
      pool: 'app',
      retry: idempotentMethods && { idempotentMethods },
    })
    expect(isIdempotent(method, route.retry)).toBe(expected)
  })
})
