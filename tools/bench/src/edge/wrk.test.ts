import { describe, expect, it } from 'vitest'
import { parseWrk, wrkArgs } from './wrk.js'

const output = `Running 5s test @ http://127.0.0.1:40001/
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   812.33us  201.10us   9.41ms   90.05%
    Req/Sec    78.10k     3.20k   82.00k    80.00%
  Latency Distribution
     50%  780.00us
     75%  900.00us
     90%    1.02ms
     99%    1.51s
  388512 requests in 5.00s, 76.20MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:  77702.40
Transfer/sec:     15.24MB
`

describe('parseWrk', () => {
  it('reads requests, rate, p50 / p99 in ms whatever the unit, and sums every kind of error', () => {
    expect(parseWrk(output)).toEqual({ requests: 388512, rps: 77702.4, p50Ms: 0.78, p99Ms: 1510, errors: 9 })
  })

  it('gives NaN for what is missing and no errors when wrk reports none', () => {
    const report = parseWrk('unable to connect to 127.0.0.1:1 Connection refused')
    expect(report.rps).toBeNaN()
    expect(report.p99Ms).toBeNaN()
    expect(report.errors).toBe(0)
  })
})

describe('wrkArgs', () => {
  it('is one thread, 64 connections, bounded by -d and a 5 s timeout per request', () => {
    expect(wrkArgs({ url: 'http://127.0.0.1:1/', seconds: 5, cpu: '1' })).toEqual([
      '-t1',
      '-c64',
      '-d5s',
      '--latency',
      '--timeout',
      '5s',
      'http://127.0.0.1:1/',
    ])
  })
})
