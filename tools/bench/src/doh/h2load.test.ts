import { describe, expect, it } from 'vitest'
import { durationMs, h2loadArgs, parseH2load } from './h2load.js'

// Captured from h2load (nghttp2 1.52.0) against kresd 5.6 doh2, 10 clients × 10 streams.
const output = `
TLS Protocol: TLSv1.3
Cipher: TLS_AES_128_GCM_SHA256
Server Temp Key: X25519 253 bits
Application protocol: h2

finished in 3.01s, 35245.33 req/s, 3.66MB/s
requests: 105736 total, 105836 started, 105736 done, 105736 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 105736 2xx, 0 3xx, 0 4xx, 0 5xx
traffic: 10.99MB (11525744) total, 929.59KB (951904) headers (space savings 91.96%), 8.27MB (8670352) data
                     min         max         mean         sd        +/- sd
time for request:      244us      8.69ms      2.66ms       723us    80.17%
time for connect:     5.51ms     10.29ms      7.93ms      1.59ms    60.00%
time to 1st byte:    10.77ms     15.60ms     13.30ms      1.79ms    50.00%
req/s           :    3283.16     3762.69     3523.91      176.35    60.00%
`

describe('parseH2load', () => {
  it('reads the summary', () => {
    expect(parseH2load(output)).toEqual({
      requests: 105736,
      succeeded: 105736,
      failed: 0,
      errored: 0,
      timeout: 0,
      status2xx: 105736,
      seconds: 3.01,
      requestsPerSec: 35245.33,
      dataBytes: 8670352,
      meanRequestMs: 2.66,
    })
    // 82-byte DNS answers
    expect(8670352 / 105736).toBe(82)
  })

  it('gives NaN for what is missing, so a failed run cannot pass for zero', () => {
    const report = parseH2load('No protocol negotiated. Exiting...')
    expect(report.succeeded).toBeNaN()
    expect(report.requestsPerSec).toBeNaN()
  })

  it('reads durations in µs, ms and s', () => {
    expect(durationMs('244us')).toBeCloseTo(0.244)
    expect(durationMs('8.69ms')).toBe(8.69)
    expect(durationMs('3.01s')).toBe(3010)
    expect(durationMs('soon')).toBeNaN()
  })
})

describe('h2loadArgs', () => {
  it('is a closed loop of n requests over c connections × m streams on one thread', () => {
    expect(
      h2loadArgs({ url: 'https://127.0.0.1:1/q', requests: 500, maxSeconds: 5, clients: 4, streams: 8 }),
    ).toEqual([
      ...['-n', '500', '-c', '4', '-m', '8', '-t', '1'],
      ...['-H', 'accept: application/dns-message'],
      'https://127.0.0.1:1/q',
    ])
  })
})
