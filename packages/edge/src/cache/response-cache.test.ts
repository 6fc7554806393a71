import { ManualClock } from '@nines/core'
import { beforeEach, describe, expect, it } from 'vitest'
import { routeCacheSchema, type RouteCacheOptions, type RouteCacheOptionsInput } from './options.js'
import { refreshAbandonedMs, ResponseCache } from './response-cache.js'
import { entryOverheadBytes } from './tap.js'
import { rawHeaders, request, respond } from './testing.js'

let clock: ManualClock
let cache: ResponseCache
const route: RouteCacheOptions = routeCacheSchema.parse(undefined)

function routeWith(input: RouteCacheOptionsInput): RouteCacheOptions {
  return routeCacheSchema.parse(input)
}

beforeEach(() => {
  clock = new ManualClock()
  cache = new ResponseCache({ maxBytes: 1 << 20, maxEntryBytes: 64 << 10, clock })
})

describe('what is stored', () => {
  it.each<
    [
      string,
      Record<string, string>,
      number,
      Record<string, string | string[]>,
      RouteCacheOptionsInput,
      string,
    ]
  >([
    ['max-age', {}, 200, { 'cache-control': 'max-age=60' }, {}, 'stored'],
    ['s-maxage', {}, 200, { 'cache-control': 's-maxage=60' }, {}, 'stored'],
    [
      'Expires',
      {},
      200,
      { date: 'Thu, 01 Jan 2026 00:00:00 GMT', expires: 'Thu, 01 Jan 2026 00:01:00 GMT' },
      {},
      'stored',
    ],
    ['no cache headers (a stale copy only)', {}, 200, {}, {}, 'stored'],
    ['a 404 without cache headers (cacheable by default)', {}, 404, {}, {}, 'stored'],
    ['a 500 without cache headers', {}, 500, {}, {}, 'refused'],
    ['no-store', {}, 200, { 'cache-control': 'no-store' }, {}, 'refused'],
    ['private', {}, 200, { 'cache-control': 'private, max-age=60' }, {}, 'refused'],
    [
      'no-cache (never servable without revalidation)',
      {},
      200,
      { 'cache-control': 'no-cache, max-age=60' },
      {},
      'refused',
    ],
    ['Pragma: no-cache without Cache-Control', {}, 200, { pragma: 'no-cache' }, {}, 'refused'],
    ['must-revalidate without freshness', {}, 200, { 'cache-control': 'must-revalidate' }, {}, 'refused'],
    ['Set-Cookie', {}, 200, { 'cache-control': 'max-age=60', 'set-cookie': 'a=1' }, {}, 'refused'],
    [
      'Set-Cookie even with public',
      {},
      200,
      { 'cache-control': 'public, max-age=60', 'Set-Cookie': ['a=1', 'b=2'] },
      {},
      'refused',
    ],
    [
      'Authorization, public, route does not allow it',
      { authorization: 'Bearer x' },
      200,
      { 'cache-control': 'public, max-age=60' },
      {},
      'no-writer',
    ],
    [
      'Authorization, public, route allows it',
      { authorization: 'Bearer x' },
      200,
      { 'cache-control': 'public, max-age=60' },
      { allowAuthorization: true },
      'stored',
    ],
    [
      'Authorization, s-maxage, route allows it',
      { authorization: 'Bearer x' },
      200,
      { 'cache-control': 's-maxage=60' },
      { allowAuthorization: true },
      'stored',
    ],
    [
      'Authorization, max-age only (RFC 9111 §3.5), route allows it',
      { authorization: 'Bearer x' },
      200,
      { 'cache-control': 'max-age=60' },
      { allowAuthorization: true },
      'refused',
    ],
    [
      'Vary: Accept-Encoding',
      {},
      200,
      { 'cache-control': 'max-age=60', vary: 'Accept-Encoding' },
      {},
      'stored',
    ],
    ['Vary: *', {}, 200, { 'cache-control': 'max-age=60', vary: 'Accept, *' }, {}, 'refused'],
    ['206', {}, 206, { 'cache-control': 'max-age=60', 'content-range': 'bytes 0-4/10' }, {}, 'refused'],
    [
      '200 with Content-Range',
      {},
      200,
      { 'cache-control': 'max-age=60', 'content-range': 'bytes 0-4/10' },
      {},
      'refused',
    ],
    [
      'request Cache-Control: no-store',
      { 'cache-control': 'no-store' },
      200,
      { 'cache-control': 'max-age=60' },
      {},
      'no-writer',
    ],
    ['route cache off', {}, 200, { 'cache-control': 'max-age=60' }, { enabled: false }, 'no-writer'],
  ])('%s', (_name, reqHeaders, status, resHeaders, routeInput, expected) => {
    const r = routeWith(routeInput)
    expect(respond(cache, request('/a', reqHeaders), r, status, resHeaders)).toBe(expected)
    expect(cache.snapshot().entries).toBe(expected === 'stored' ? 1 : 0)
  })

  it('only GET responses: no writer for HEAD or POST', () => {
    expect(cache.writer(request('/a', {}, 'HEAD'), route)).toBeUndefined()
    expect(cache.writer(request('/a', {}, 'POST'), route)).toBeUndefined()
  })

  it('maxBytes 0: no writer, no lookup', () => {
    const off = new ResponseCache({ maxBytes: 0, maxEntryBytes: 1024, clock })
    expect(off.writer(request(), route)).toBeUndefined()
    expect(off.lookup(request(), route)).toEqual({ fresh: undefined, stale: undefined })
    expect(off.snapshot()).toEqual({ entries: 0, bytes: 0, maxBytes: 0 })
  })

  it('abort stores nothing', () => {
    const tap = cache.writer(request(), route)!
    expect(tap.head(200, rawHeaders({ 'cache-control': 'max-age=60' }))).toBe(true)
    tap.data(Buffer.from('part'))
    tap.abort()
    tap.end()
    expect(cache.snapshot().entries).toBe(0)
  })

  it('head is taken once', () => {
    const tap = cache.writer(request(), route)!
    expect(tap.head(200, rawHeaders({ 'cache-control': 'max-age=60' }))).toBe(true)
    expect(tap.head(200, rawHeaders({ 'cache-control': 'max-age=60' }))).toBe(false)
  })
})

describe('keys and variants', () => {
  it('HEAD is answered from the GET entry', () => {
    respond(cache, request('/a'), route, 200, { 'cache-control': 'max-age=60' })
    expect(cache.lookup(request('/a', {}, 'HEAD'), route).fresh?.status).toBe(200)
    expect(cache.lookup(request('/a', {}, 'POST'), route).fresh).toBeUndefined()
  })

  it('the query is part of the key', () => {
    respond(cache, request('/a?x=1'), route, 200, { 'cache-control': 'max-age=60' })
    expect(cache.lookup(request('/a?x=1'), route).fresh).toBeDefined()
    expect(cache.lookup(request('/a?x=2'), route)).toEqual({ fresh: undefined, stale: undefined })
    expect(cache.lookup(request('/a'), route).fresh).toBeUndefined()
  })

  it('the host is lower-cased with its port kept', () => {
    respond(cache, request('/a', { host: 'Edge.Test:8080' }), route, 200, { 'cache-control': 'max-age=60' })
    expect(cache.lookup(request('/a', { host: 'edge.test:8080' }), route).fresh).toBeDefined()
    expect(
      cache.lookup(request('/a', { host: 'EDGE.test:8080', 'cache-control': 'max-stale' }), route).fresh,
    ).toBeDefined()
    expect(cache.lookup(request('/a', { host: 'edge.test' }), route).fresh).toBeUndefined()
  })

  it('a Vary mismatch is a miss, and the new response replaces the variant', () => {
    const gzip = request('/a', { 'accept-encoding': 'gzip' })
    const br = request('/a', { 'accept-encoding': 'br' })
    respond(cache, gzip, route, 200, { 'cache-control': 'max-age=60', vary: 'Accept-Encoding' })
    expect(cache.lookup(gzip, route).fresh).toBeDefined()
    expect(cache.lookup(br, route)).toEqual({ fresh: undefined, stale: undefined })
    expect(cache.lookup(request('/a'), route).fresh).toBeUndefined()
    respond(cache, br, route, 200, { 'cache-control': 'max-age=60', vary: 'Accept-Encoding' })
    expect(cache.lookup(br, route).fresh).toBeDefined()
    expect(cache.lookup(gzip, route).fresh).toBeUndefined()
    expect(cache.snapshot().entries).toBe(1)
  })

  it('a stale copy also matches by Vary', () => {
    respond(cache, request('/a', { accept: 'a' }), route, 200, { vary: 'accept' })
    expect(cache.lookup(request('/a', { accept: 'a' }), route).stale).toBeDefined()
    expect(cache.lookup(request('/a', { accept: 'b' }), route).stale).toBeUndefined()
  })

  it('Authorization is answered only where the route allows it', () => {
    const allow = routeWith({ allowAuthorization: true })
    respond(cache, request('/a'), route, 200, { 'cache-control': 'public, max-age=60' })
    expect(cache.lookup(request('/a', { authorization: 'Bearer x' }), route)).toEqual({
      fresh: undefined,
      stale: undefined,
    })
    expect(cache.lookup(request('/a', { authorization: 'Bearer x' }), allow).fresh).toBeDefined()
  })
})

describe('fresh and stale', () => {
  it('fresh within max-age, then stale and by how much', () => {
    respond(cache, request(), route, 200, { 'cache-control': 'max-age=60' })
    clock.advance(59_000)
    const hit = cache.lookup(request(), route)
    expect(hit.fresh).toMatchObject({ status: 200, ageS: 59, staleForS: 0 })
    expect(hit.stale).toBeUndefined()
    clock.advance(2_000)
    const late = cache.lookup(request(), route)
    expect(late.fresh).toBeUndefined()
    expect(late.stale?.ageS).toBe(61)
    expect(late.stale?.staleForS).toBeCloseTo(1)
  })

  it("counts the upstream's Age", () => {
    respond(cache, request(), route, 200, { 'cache-control': 'max-age=60', age: '50' })
    clock.advance(9_000)
    expect(cache.lookup(request(), route).fresh?.ageS).toBe(59)
    clock.advance(2_000)
    expect(cache.lookup(request(), route).stale?.staleForS).toBeCloseTo(1)
  })

  it.each([
    ['Cache-Control: no-cache', { 'cache-control': 'no-cache' }],
    ['Cache-Control: no-store', { 'cache-control': 'no-store' }],
    ['Cache-Control: max-age=0', { 'cache-control': 'max-age=0' }],
    ['Pragma: no-cache', { pragma: 'no-cache' }],
  ])(
    'a request with %s is not answered fresh; the copy is there for errors, not for a refresh',
    (_n, headers) => {
      respond(cache, request(), route, 200, { 'cache-control': 'max-age=60' })
      clock.advance(1_000)
      const found = cache.lookup(request('/a', headers), route)
      expect(found.fresh).toBeUndefined()
      expect(found.stale?.staleForS).toBe(0)
      expect(found.stale?.usableStale('error')).toBe(true)
      expect(found.stale?.usableStale('revalidate')).toBe(false)
    },
  )

  it('the library grants max-stale past freshness, but not what the origin forbade', () => {
    respond(cache, request('/a'), route, 200, { 'cache-control': 'max-age=10' })
    respond(cache, request('/b'), route, 200, { 'cache-control': 's-maxage=10' })
    clock.advance(20_000)
    expect(
      cache.lookup(request('/a', { 'cache-control': 'max-stale=60' }), route).fresh?.staleForS,
    ).toBeCloseTo(10)
    expect(cache.lookup(request('/b', { 'cache-control': 'max-stale=60' }), route).fresh).toBeUndefined()
  })

  it('must-revalidate: http-cache-semantics never answers it fresh; within max-age it is there for errors', () => {
    respond(cache, request(), route, 200, { 'cache-control': 'max-age=60, must-revalidate' })
    clock.advance(10_000)
    const found = cache.lookup(request(), route)
    expect(found.fresh).toBeUndefined()
    expect(found.stale?.usableStale('error')).toBe(true)
    clock.advance(60_000)
    expect(cache.lookup(request(), route)).toEqual({ fresh: undefined, stale: undefined })
    expect(cache.snapshot().entries).toBe(0)
  })
})

describe('stale windows', () => {
  it("the origin's stale-if-error replaces the route's", () => {
    const r = routeWith({ staleIfErrorS: 300 })
    respond(cache, request(), r, 200, { 'cache-control': 'max-age=10, stale-if-error=30' })
    clock.advance(39_000)
    const within = cache.lookup(request(), r).stale!
    expect(within.usableStale('error')).toBe(true)
    expect(within.usableStale('shed')).toBe(true)
    expect(within.usableStale('revalidate')).toBe(false)
    clock.advance(2_000)
    expect(cache.lookup(request(), r).stale).toBeUndefined() // past every window: dropped
  })

  it("an origin that states only stale-while-revalidate allows no stale-if-error: the route's is not used", () => {
    respond(cache, request(), route, 200, { 'cache-control': 'max-age=10, stale-while-revalidate=5' })
    clock.advance(12_000)
    const copy = cache.lookup(request(), route).stale!
    expect(copy.usableStale('revalidate')).toBe(true)
    expect(copy.usableStale('error')).toBe(false)
    clock.advance(4_000)
    expect(cache.lookup(request(), route).stale).toBeUndefined()
  })

  it("the route's staleIfErrorS when the origin states neither", () => {
    const r = routeWith({ staleIfErrorS: 5 })
    respond(cache, request(), r, 200, {})
    clock.advance(4_999)
    expect(cache.lookup(request(), r).stale?.usableStale('error')).toBe(true)
    clock.advance(1)
    expect(cache.lookup(request(), r).stale).toBeUndefined()
  })

  it("the route's staleWhileRevalidateS when the origin states neither", () => {
    const r = routeWith({ staleWhileRevalidateS: 30, staleIfErrorS: 0 })
    respond(cache, request(), r, 200, { 'cache-control': 'max-age=10' })
    clock.advance(39_000)
    const copy = cache.lookup(request(), r).stale!
    expect(copy.usableStale('revalidate')).toBe(true)
    expect(copy.usableStale('error')).toBe(false)
    clock.advance(2_000)
    expect(cache.lookup(request(), r).stale).toBeUndefined()
  })

  it('the default route serves no stale copy for a refresh', () => {
    respond(cache, request(), route, 200, { 'cache-control': 'max-age=10' })
    clock.advance(11_000)
    const copy = cache.lookup(request(), route).stale!
    expect(copy.usableStale('revalidate')).toBe(false)
    expect(copy.usableStale('shed')).toBe(true)
  })

  it.each([
    ['must-revalidate', 'max-age=10, must-revalidate, stale-if-error=600'],
    ['s-maxage', 's-maxage=10, stale-if-error=600, stale-while-revalidate=600'],
  ])('%s forbids every stale use (RFC 9111 §4.2.4), whatever the windows', (_n, cc) => {
    const r = routeWith({ staleWhileRevalidateS: 600 })
    respond(cache, request(), r, 200, { 'cache-control': cc })
    clock.advance(11_000)
    expect(cache.lookup(request(), r)).toEqual({ fresh: undefined, stale: undefined })
  })

  it('no-cache and proxy-revalidate copies are never stored, so never served stale', () => {
    expect(
      respond(cache, request('/a'), route, 200, { 'cache-control': 'no-cache, stale-if-error=600' }),
    ).toBe('refused')
    // http-cache-semantics gives a proxy-revalidate response no freshness in a shared cache.
    expect(
      respond(cache, request('/b'), route, 200, { 'cache-control': 'max-age=60, proxy-revalidate' }),
    ).toBe('refused')
  })
  it('a copy without freshness is past it from its first millisecond: no refresh-time use without a window', () => {
    respond(cache, request(), route, 200, {})
    const copy = cache.lookup(request(), route).stale!
    expect(copy.staleForS).toBe(0)
    expect(copy.usableStale('revalidate')).toBe(false)
    expect(copy.usableStale('error')).toBe(true)
  })

  it('a request that refuses copies does not make the cache drop one others may still use', () => {
    const r = routeWith({ staleIfErrorS: 5, staleWhileRevalidateS: 60 })
    respond(cache, request(), r, 200, {})
    clock.advance(10_000)
    const refused = cache.lookup(request('/a', { 'cache-control': 'no-cache' }), r).stale!
    expect(refused.usableStale('revalidate')).toBe(false)
    expect(refused.usableStale('error')).toBe(false)
    expect(cache.lookup(request(), r).stale?.usableStale('revalidate')).toBe(true)
  })
})

describe('bounds and re-stores', () => {
  it('evicts the least recently used entry past maxBytes', () => {
    const size = entryOverheadBytes + 1000
    const small = new ResponseCache({ maxBytes: 3 * size, maxEntryBytes: 2 * size, clock })
    const body = 'x'.repeat(900)
    for (const path of ['/a', '/b', '/c'])
      respond(small, request(path), route, 200, { 'cache-control': 'max-age=60' }, body)
    expect(small.snapshot().entries).toBe(3)
    small.lookup(request('/a'), route) // /a is now the most recent
    respond(small, request('/d'), route, 200, { 'cache-control': 'max-age=60' }, body)
    expect(small.lookup(request('/b'), route).fresh).toBeUndefined()
    expect(small.lookup(request('/a'), route).fresh).toBeDefined()
    expect(small.lookup(request('/d'), route).fresh).toBeDefined()
    expect(small.snapshot().bytes).toBeLessThanOrEqual(3 * size)
  })

  it('a response over maxEntryBytes is not stored, and the stored copy stays', () => {
    const small = new ResponseCache({ maxBytes: 1 << 20, maxEntryBytes: entryOverheadBytes + 500, clock })
    respond(small, request(), route, 200, { 'cache-control': 'max-age=1' }, 'small')
    clock.advance(2_000)
    expect(respond(small, request(), route, 200, { 'cache-control': 'max-age=60' }, 'y'.repeat(600))).toBe(
      'stored',
    )
    const found = small.lookup(request(), route)
    expect(found.fresh).toBeUndefined()
    expect(found.stale?.ageS).toBe(2)
  })

  it('counts body, headers (a content-length added for a chunked body) and overhead', () => {
    respond(cache, request(), route, 200, { 'cache-control': 'max-age=60' }, 'abc')
    const headers = 'cache-control'.length + 'max-age=60'.length + 4 + 'content-length'.length + 1 + 4
    expect(cache.snapshot().bytes).toBe(3 + headers + 'GET edge.test/a'.length + entryOverheadBytes)
  })

  it('a copy without freshness is not stored again while the stored one is less than 1 s old', () => {
    respond(cache, request(), route, 200, {}, 'first')
    clock.advance(999)
    expect(respond(cache, request(), route, 200, {}, 'second')).toBe('refused')
    clock.advance(1)
    expect(respond(cache, request(), route, 200, {}, 'third')).toBe('stored')
    expect(cache.lookup(request(), route).stale?.ageS).toBe(0)
  })

  it('the 1-s skip does not hold back a response with freshness, or another variant', () => {
    respond(cache, request('/a', { accept: 'a' }), route, 200, { vary: 'accept' })
    expect(respond(cache, request('/a', { accept: 'b' }), route, 200, { vary: 'accept' })).toBe('stored')
    expect(respond(cache, request('/a', { accept: 'b' }), route, 200, { 'cache-control': 'max-age=5' })).toBe(
      'stored',
    )
  })

  it('clear drops everything', () => {
    respond(cache, request(), route, 200, { 'cache-control': 'max-age=60' })
    cache.clear()
    expect(cache.snapshot()).toEqual({ entries: 0, bytes: 0, maxBytes: 1 << 20 })
  })
})

describe('tryStartRefresh', () => {
  it('one refresh per key at a time; done releases it', () => {
    const done = cache.tryStartRefresh(request('/a'))
    expect(done).toBeTypeOf('function')
    expect(cache.tryStartRefresh(request('/a', {}, 'HEAD'))).toBeUndefined()
    expect(cache.tryStartRefresh(request('/b'))).toBeTypeOf('function')
    done!()
    expect(cache.tryStartRefresh(request('/a'))).toBeTypeOf('function')
  })

  it('a claim never released is dropped after refreshAbandonedMs, and its late done releases nothing', () => {
    const stuck = cache.tryStartRefresh(request())!
    clock.advance(refreshAbandonedMs)
    const next = cache.tryStartRefresh(request())
    expect(next).toBeTypeOf('function')
    stuck()
    expect(cache.tryStartRefresh(request())).toBeUndefined()
  })
})
