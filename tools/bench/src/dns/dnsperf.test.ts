import { describe, expect, it } from 'vitest'
import { dnsperfArgs, parseDnsperf } from './dnsperf.js'

// Captured from dnsperf 2.10.0 against gdnsd with -e -E 8:00011800c00002.
const output = `
Statistics:

  Queries sent:         145583
  Queries completed:    145580 (100.00%)
  Queries lost:         3 (0.00%)

  Response codes:       NOERROR 145570 (99.99%), SERVFAIL 10 (0.01%)
  Average packet size:  request 56, response 104
  Run time (s):         2.000112
  Queries per second:   72787.423904

  Average Latency (s):  0.001001 (min 0.000009, max 0.028291)
  Latency StdDev (s):   0.002466
`

describe('parseDnsperf', () => {
  it('reads the statistics block', () => {
    expect(parseDnsperf(output)).toEqual({
      sent: 145583,
      completed: 145580,
      lost: 3,
      noerror: 145570,
      qps: 72787.423904,
      runSec: 2.000112,
      avgLatencyMs: 1.001,
      responseBytes: 104,
    })
  })

  it('gives NaN for what is missing, so a failed run cannot pass for zero', () => {
    const report = parseDnsperf('Error: could not open file')
    expect(report.completed).toBeNaN()
    expect(report.qps).toBeNaN()
  })
})

describe('dnsperfArgs', () => {
  const run = { port: 5301, queryFile: '/tmp/q', seconds: 3 }
  it('sends no EDNS for the plain shape and an ECS option for the ecs shape', () => {
    expect(dnsperfArgs({ ...run, shape: 'plain' })).not.toContain('-e')
    expect(dnsperfArgs({ ...run, shape: 'ecs' }).join(' ')).toContain('-e -E 8:00011800c00002')
  })

  it('caps the rate only when asked, at a whole positive number', () => {
    expect(dnsperfArgs({ ...run, shape: 'plain' })).not.toContain('-Q')
    expect(dnsperfArgs({ ...run, shape: 'plain', maxQps: 1234.6 }).join(' ')).toContain('-Q 1235')
  })

  it('bounds the number of passes over the query file only when asked', () => {
    expect(dnsperfArgs({ ...run, shape: 'plain' })).not.toContain('-n')
    expect(dnsperfArgs({ ...run, shape: 'plain', maxRuns: 5000 }).join(' ')).toContain('-n 5000')
  })
})
