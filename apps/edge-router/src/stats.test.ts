import type { RequestRecord } from '@nines/edge'
import { describe, expect, it } from 'vitest'
import { busyFigures, RequestStats, labelsOf } from './stats.js'

const record = (overrides: Partial<RequestRecord> = {}): RequestRecord => ({
  requestId: 'r',
  method: 'GET',
  host: 'app.test',
  path: '/',
  remoteAddress: '127.0.0.1',
  route: 'app',
  class: 'normal',
  pool: 'app',
  status: 200,
  endpoint: 'a',
  attempts: 1,
  retries: [],
  code: undefined,
  incomplete: false,
  durationMs: 3,
  upstreamMs: 2,
  panic: false,
  cache: undefined,
  staleReason: undefined,
  fallback: false,
  shed: undefined,
  queuedMs: 0,
  ...overrides,
})

describe('RequestStats', () => {
  it('counts by route, class, status and endpoint, and keeps retries, errors and panic apart', () => {
    const stats = new RequestStats()
    stats.record(record())
    stats.record(record({ endpoint: 'b', attempts: 2, retries: ['reset'], panic: true }))
    stats.record(
      record({
        status: 503,
        endpoint: undefined,
        code: 'NINES_ERR_NO_ENDPOINT',
        attempts: 0,
        upstreamMs: undefined,
      }),
    )
    const s = stats.snapshot()
    const requests = Object.entries(s.requests).map(([k, n]) => [...labelsOf(k), n])
    expect(requests).toEqual([
      ['app', 'normal', '200', 'a', 1],
      ['app', 'normal', '200', 'b', 1],
      ['app', 'normal', '503', '', 1],
    ])
    expect(s.attempts).toEqual({ app: 3 })
    expect(Object.keys(s.retries).map(labelsOf)).toEqual([['app', 'reset']])
    expect(Object.keys(s.errors).map(labelsOf)).toEqual([['app', 'NINES_ERR_NO_ENDPOINT']])
    expect(s.panicRequests).toEqual({ app: 1 })
    expect(Object.keys(s.upstream).sort()).toEqual(['a', 'b']) // no upstream time without a served response
  })

  it("sums workers' snapshots, histograms included, as the primary does at scrape time", () => {
    const w1 = new RequestStats()
    const w2 = new RequestStats()
    w1.record(record({ durationMs: 1 }))
    w2.record(record({ durationMs: 40 }))
    w2.ejected('app', 'consecutive-gateway-failure')
    w1.connections = 3
    w2.connections = 4
    const total = new RequestStats()
    total.add(w1.snapshot())
    total.add(w2.snapshot())
    const s = total.snapshot()
    expect(Object.values(s.requests)).toEqual([2])
    expect(s.connections).toBe(7)
    expect(Object.values(s.ejections)).toEqual([1])
    const duration = s.duration.app!
    expect(Array.from(duration.counts).reduce((a, b) => a + b, 0)).toBe(2)
    expect(duration.sum).toBeCloseTo(0.041)
  })

  it('counts stale copies and fallbacks by route, and sums the admission and cache figures of workers', () => {
    const w1 = new RequestStats()
    w1.record(record({ cache: 'stale', staleReason: 'shed', status: 200 }))
    w1.record(record({ fallback: true, code: 'NINES_ERR_SHED', status: 503 }))
    w1.record(record({ cache: 'hit' }))
    expect(Object.keys(w1.snapshot().degraded).map(labelsOf)).toEqual([
      ['app', 'stale', 'shed'],
      ['app', 'fallback', 'NINES_ERR_SHED'],
      ['app', 'hit', ''],
    ])
    const pool = (limit: number, shed: number) => ({
      name: 'app',
      admission: {
        snapshot: () => ({
          limit,
          inflight: { critical: 1, normal: 2, sheddable: 0 },
          queued: { critical: 0, normal: 0, sheddable: 3 },
          admitted: { critical: 10, normal: 20, sheddable: 5 },
          shed: {
            critical: { 'queue-full': 0, 'queue-timeout': 0, deadline: 0, evicted: 0, closed: 0 },
            normal: { 'queue-full': 0, 'queue-timeout': 0, deadline: 0, evicted: 0, closed: 0 },
            sheddable: { 'queue-full': shed, 'queue-timeout': 0, deadline: 0, evicted: 0, closed: 0 },
          },
        }),
      },
    })
    const total = new RequestStats()
    total.add(
      w1.snapshot(
        busyFigures([pool(20, 4)], { snapshot: () => ({ entries: 2, bytes: 100, maxBytes: 1000 }) }),
      ),
    )
    total.add(w1.snapshot(busyFigures([pool(30, 1)], undefined)))
    const { busy } = total.snapshot()
    expect(busy.limit).toEqual({ app: 50 })
    expect(Object.entries(busy.shed).map(([k, n]) => [...labelsOf(k), n])).toEqual([
      ['app', 'sheddable', 'queue-full', 5],
    ])
    expect(busy.queued[`app\u0000sheddable`]).toBe(6)
    expect(busy.cacheEntries).toBe(2)
  })
})
