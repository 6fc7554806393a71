import { describe, expect, it } from 'vitest'
import { isUnknownBusyHourKey, overloadHaproxy, overloadNines } from './configs.js'

const shape = { slots: 8, serviceMs: 20, deadlineMs: 1000 }

describe('overload HAProxy config', () => {
  it('caps every server at its slots, queues for the deadline and orders the queue by class', () => {
    const conf = overloadHaproxy(9, [1, 2], shape)
    expect(conf).toContain('bind 127.0.0.1:9')
    expect(conf.match(/server s\d 127\.0\.0\.1:\d maxconn 8 check inter 2s/g)).toHaveLength(2)
    expect(conf).toContain('timeout queue 1000ms')
    expect(conf).toContain('nbthread 1')
    expect(conf).toContain(
      'http-request set-priority-class int(-1) if { path_beg /critical/ } || { path /critical }',
    )
    expect(conf).toContain(
      'http-request set-priority-class int(1) if { path_beg /sheddable/ } || { path /sheddable }',
    )
    expect(conf).not.toContain('int(0)') // normal keeps the default class 0
    expect(conf).toContain('option httpchk GET /health')
  })
})

describe('overload nines-edge config', () => {
  const base = { port: 9, adminPort: 10, stateDir: '/tmp/n/edge1', upstreams: [1, 2], deadlineMs: 1000 }

  it('turns admission on, keeps sheddable stale copies and gives the instance a cache', () => {
    const yaml = overloadNines({ ...base, admission: 'on' })
    expect(yaml).toContain("edge: { listen: ['127.0.0.1:9'], cache: { maxBytes: 16777216 } }")
    expect(yaml).toContain('- { name: s1, address: 127.0.0.1, port: 1, labels: { stack: a } }')
    expect(yaml).toContain('- { name: s2, address: 127.0.0.1, port: 2, labels: { stack: b } }')
    expect(yaml).toContain('    admission: { enabled: true }')
    expect(yaml).toContain(
      '- { host: app.bench.test, pathPrefix: /critical, pool: app, class: critical, timeouts: { overallMs: 1000 }, retry: { maxAttempts: 1 } }',
    )
    expect(yaml).toContain(
      '- { host: app.bench.test, pathPrefix: /normal, pool: app, class: normal, timeouts: { overallMs: 1000 }, retry: { maxAttempts: 1 } }',
    )
    expect(yaml).toContain(
      '- { host: app.bench.test, pathPrefix: /sheddable, pool: app, class: sheddable, timeouts: { overallMs: 1000 }, retry: { maxAttempts: 1 }, cache: { staleIfErrorS: 300 } }',
    )
  })

  it('says "plain proxy" with the same keys, or without them for a build that has neither', () => {
    const off = overloadNines({ ...base, admission: 'off' })
    expect(off).toContain('    admission: { enabled: false }')
    expect(off.match(/cache: \{ enabled: false \}/g)).toHaveLength(3)
    expect(off).not.toContain('maxBytes')
    const absent = overloadNines({ ...base, admission: 'absent' })
    expect(absent).not.toMatch(/admission|cache/)
    expect(absent).toContain('class: sheddable')
  })

  it('recognises the schema refusing the busy-hour keys', () => {
    expect(isUnknownBusyHourKey('n.yaml:12:5 pools.app: unknown key "admission"')).toBe(true)
    expect(isUnknownBusyHourKey('edge.routes[1]: unknown key "cache"')).toBe(true)
    expect(isUnknownBusyHourKey('edge.routes[1].class: expected one of critical')).toBe(false)
  })
})
