import { ManualClock } from '@nines/core'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { viaValue } from '../proxy/headers.js'
import { listen, runCleanups } from '../proxy/testing.js'
import { routeCacheSchema } from './options.js'
import { ResponseCache } from './response-cache.js'
import { request, respond } from './testing.js'
import type { WriteCopyOptions } from './write-copy.js'

const route = routeCacheSchema.parse(undefined)
let clock: ManualClock
let cache: ResponseCache

afterEach(runCleanups)
beforeEach(() => {
  clock = new ManualClock()
  cache = new ResponseCache({ maxBytes: 1 << 20, maxEntryBytes: 64 << 10, clock })
})

/**
 * A loopback server answering every request from the cache with `opts` (fresh copy if there is one, else
 * the stale one), or 599 when there is none. Returns its host for storing entries under the same key.
 */
async function server(opts: Partial<WriteCopyOptions> = {}, preset?: [string, string]): Promise<string> {
  const { port } = await listen((req, res) => {
    const found = cache.lookup(req, route)
    const copy = found.fresh ?? found.stale
    if (copy === undefined) return void res.writeHead(599).end()
    if (preset !== undefined) res.setHeader(preset[0], preset[1])
    cache.writeCopy(res, copy, {
      method: req.method ?? 'GET',
      requestId: 'rid-1',
      via: viaValue('edge-a'),
      state: found.fresh === undefined ? 'stale' : 'hit',
      debug: false,
      ...opts,
    })
  })
  return `127.0.0.1:${port}`
}

describe('writeCopy', () => {
  it('writes the stored head, a growing Age, x-request-id, Via, and the body', async () => {
    const host = await server()
    respond(cache, request('/a', { host }), route, 200, {
      'cache-control': 'max-age=60',
      'content-type': 'text/plain',
      'content-length': '11',
      'x-request-id': 'upstream-id',
      connection: 'keep-alive, x-hop',
      'x-hop': '1',
      'keep-alive': 'timeout=77',
      age: '3',
      warning: '110 - "stale"',
      link: ['</a>; rel=preload', '</b>; rel=preload'],
      via: '1.1 upstream-proxy',
    })
    clock.advance(7_500)
    const res = await fetch(`http://${host}/a`)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('hello world')
    expect(res.headers.get('age')).toBe('10')
    expect(res.headers.get('content-type')).toBe('text/plain')
    expect(res.headers.get('content-length')).toBe('11')
    expect(res.headers.get('x-request-id')).toBe('rid-1')
    expect(res.headers.get('via')).toBe('1.1 upstream-proxy, 1.1 edge-a')
    expect(res.headers.get('link')).toBe('</a>; rel=preload, </b>; rel=preload')
    expect(res.headers.get('x-hop')).toBeNull()
    expect(res.headers.get('warning')).toBeNull()
    expect(res.headers.get('keep-alive')).not.toBe('timeout=77')
    expect(res.headers.get('x-nines-cache')).toBeNull() // a hit is marked only with debug
    clock.advance(5_000)
    expect((await fetch(`http://${host}/a`)).headers.get('age')).toBe('15')
  })

  it('HEAD gets the head of the GET entry, content-length kept, no body', async () => {
    const host = await server()
    respond(cache, request('/a', { host }), route, 200, { 'cache-control': 'max-age=60' }, 'twelve bytes')
    const res = await fetch(`http://${host}/a`, { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-length')).toBe('12') // added: the upstream sent it chunked
    expect(await res.text()).toBe('')
  })

  it('a stale answer always says so, with its reason', async () => {
    const host = await server({ reason: 'shed' })
    respond(cache, request('/a', { host }), route, 200, {})
    clock.advance(30_000)
    const res = await fetch(`http://${host}/a`)
    expect(res.headers.get('x-nines-cache')).toBe('stale; reason=shed')
    expect(res.headers.get('age')).toBe('30')
    expect(await res.text()).toBe('hello world')
  })

  it('a hit says so with debug', async () => {
    const host = await server({ debug: true })
    respond(cache, request('/a', { host }), route, 200, { 'cache-control': 'max-age=60' })
    expect((await fetch(`http://${host}/a`)).headers.get('x-nines-cache')).toBe('hit')
  })

  it('keeps headers an earlier stage set, and repeated stored ones', async () => {
    const host = await server({}, ['x-stage', 'early'])
    respond(cache, request('/a', { host }), route, 200, {
      'cache-control': 'max-age=60',
      link: ['</a>', '</b>'],
    })
    const res = await fetch(`http://${host}/a`)
    expect(res.headers.get('x-stage')).toBe('early')
    expect(res.headers.get('link')).toBe('</a>, </b>')
    expect(await res.text()).toBe('hello world')
  })

  it('a 204 is written without a body or an added content-length', async () => {
    const host = await server()
    respond(cache, request('/a', { host }), route, 204, { 'cache-control': 'max-age=60' }, '')
    const res = await fetch(`http://${host}/a`)
    expect(res.status).toBe(204)
    expect(res.headers.get('content-length')).toBeNull()
  })

  it('refuses a copy it did not make', () => {
    const fake = { status: 200, ageS: 0, staleForS: 0, usableStale: () => true }
    expect(() =>
      cache.writeCopy({} as never, fake, {
        method: 'GET',
        requestId: 'r',
        via: 'v',
        state: 'hit',
        debug: false,
      }),
    ).toThrow(/lookup/)
  })
})
