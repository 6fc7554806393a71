import type { RequestRecord } from '@nines/edge'
import { describe, expect, it } from 'vitest'
import { RequestStats, labelsOf } from './stats.js'

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
})
