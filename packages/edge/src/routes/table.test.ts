import { describe, expect, it } from 'vitest'
import { routesSchema, type RouteInput } from './route-schema.js'
import { compileRoutes } from './table.js'

const config: RouteInput[] = [
  { host: 'app.nines.test', pool: 'app' },
  { host: 'app.nines.test', pathPrefix: '/api', pool: 'api' },
  { host: 'app.nines.test', pathPrefix: '/api/v2', pool: 'api-v2' },
  { host: 'app.nines.test', pathPrefix: '/api/v2/admin', pool: 'admin' },
  { host: 'cms.nines.test', pathPrefix: '/content', pool: 'cms' },
  { host: '*.nines.test', pool: 'any-nines' },
  { host: '*.eu.nines.test', pool: 'eu' },
  { host: '*.eu.nines.test', pathPrefix: '/chat', pool: 'eu-chat' },
  { host: '*', pathPrefix: '/healthz', pool: 'health' },
]
const table = compileRoutes(routesSchema.parse(config))
const pool = (host: string, path: string) => {
  const result = table.match(host, path)
  return result.route ? result.route.pool : result.miss
}

describe('compileRoutes: hosts', () => {
  it.each([
    // Exact host; case, port and a trailing dot do not matter.
    ['app.nines.test', 'app'],
    ['APP.Nines.Test', 'app'],
    ['app.nines.test:8080', 'app'],
    ['app.nines.test.', 'app'],
    ['app.nines.test.:443', 'app'],
    // Exact beats a wildcard that also covers it; the longest wildcard suffix wins.
    ['www.nines.test', 'any-nines'],
    ['a.b.nines.test', 'any-nines'],
    ['chat.eu.nines.test', 'eu'],
    ['x.chat.eu.nines.test:80', 'eu'],
    ['eu.nines.test', 'any-nines'],
    // A wildcard does not match its own apex: nines.test falls to `*`.
    ['nines.test', 'no-route'],
    ['other.test', 'no-route'],
    // `*` is last; a name that merely ends like a suffix (xnines.test) is not below it.
    ['xnines.test', 'no-route'],
    ['[::1]:8080', 'no-route'],
  ])('%s / → %s', (host, expected) => expect(pool(host, '/')).toBe(expected))

  it('answers unknown-host without a `*` route', () => {
    const strict = compileRoutes(routesSchema.parse(config.filter((route) => route.host !== '*')))
    expect.soft(strict.match('other.test', '/')).toEqual({ miss: 'unknown-host' })
    expect.soft(strict.match('nines.test', '/')).toEqual({ miss: 'unknown-host' })
    expect.soft(strict.match('', '/')).toEqual({ miss: 'unknown-host' })
    expect.soft(strict.match('www.nines.test', '/').route?.pool).toBe('any-nines')
  })

  it('the most specific host owns it: no fall-through to wildcards or `*`', () => {
    // cms.nines.test has only /content; *.nines.test and `*` /healthz are not consulted for it.
    expect.soft(pool('cms.nines.test', '/content/a')).toBe('cms')
    expect.soft(pool('cms.nines.test', '/')).toBe('no-route')
    expect.soft(pool('cms.nines.test', '/healthz')).toBe('no-route')
    expect.soft(pool('any.nines.test', '/healthz')).toBe('any-nines')
    expect.soft(pool('other.test', '/healthz')).toBe('health')
  })
})

describe('compileRoutes: path prefixes (longest wins, on segment boundaries, case-sensitive)', () => {
  it.each([
    ['/', 'app'],
    ['', 'app'],
    ['/index.html', 'app'],
    ['/api', 'api'],
    ['/api/', 'api'],
    ['/api/x', 'api'],
    ['/api?q=1', 'api'],
    ['/apix', 'app'],
    ['/API', 'app'],
    ['/api/v2', 'api-v2'],
    ['/api/v2/', 'api-v2'],
    ['/api/v20', 'api'],
    ['/api/v2/admin/users', 'admin'],
    ['/api/v2/administrator', 'api-v2'],
    ['/api/v2/admin?x', 'admin'],
  ])('app.nines.test %j → %s', (path, expected) => expect(pool('app.nines.test', path)).toBe(expected))

  it.each([
    ['cms.nines.test', '/content', 'cms'],
    ['cms.nines.test', '/contents', 'no-route'],
    ['a.eu.nines.test', '/chat/room', 'eu-chat'],
    ['a.eu.nines.test', '/chatty', 'eu'],
    ['other.test', '/healthz', 'health'],
    ['other.test', '/healthz/deep', 'health'],
    ['other.test', '/healthzz', 'no-route'],
  ])('%s %j → %s', (host, path, expected) => expect(pool(host, path)).toBe(expected))

  it('order in the configuration does not matter', () => {
    const reversed = compileRoutes(routesSchema.parse([...config].reverse()))
    for (const path of ['/', '/api/v2/x', '/api/v2/admin/y', '/api/v1']) {
      expect(reversed.match('app.nines.test', path).route?.pool).toBe(pool('app.nines.test', path))
    }
  })
})

describe('compileRoutes: results', () => {
  it('returns the configured route object, and the same result object every time', () => {
    const routes = routesSchema.parse(config)
    const compiled = compileRoutes(routes)
    const first = compiled.match('app.nines.test', '/api/x')
    expect(first.route).toBe(routes[1])
    expect(compiled.match('APP.nines.test:80', '/api')).toBe(first)
    expect(compiled.match('other.test', '/')).toEqual({ miss: 'no-route' })
  })

  it('refuses a repeated host and prefix that bypassed the schema', () => {
    const routes = routesSchema.parse([{ host: 'a.test', pool: 'a' }])
    expect(() => compileRoutes([...routes, ...routes])).toThrow(
      'routes[1]: host a.test with pathPrefix / is routed twice',
    )
  })

  it('an empty table knows no host', () => {
    expect(compileRoutes([]).match('app.nines.test', '/')).toEqual({ miss: 'unknown-host' })
  })
})
