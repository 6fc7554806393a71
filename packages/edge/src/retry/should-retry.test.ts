import { describe, expect, it } from 'vitest'
import { retrySchema } from './options.js'
import { isIdempotent, retryAfterMs, shouldRetry, type RetryInput } from './should-retry.js'

const now = Date.UTC(2026, 0, 1)
const base: RetryInput = {
  method: 'GET',
  idempotent: true,
  bodyReplayable: true,
  bytesSentUpstream: 120,
  failure: 'reset',
  attempt: 1,
  maxAttempts: 3,
  deadline: now + 10_000,
  now,
}
const post = { method: 'POST', idempotent: false }

describe('shouldRetry', () => {
  it.each<{ name: string; input: Partial<RetryInput>; retry: boolean; reason: string; delayMs?: number }>([
    // Nothing reached the upstream: any method.
    {
      name: 'POST, connect refused',
      input: { ...post, failure: 'connect-refused', bytesSentUpstream: 0 },
      retry: true,
      reason: 'nothing-sent',
    },
    {
      name: 'POST, connect timeout',
      input: { ...post, failure: 'connect-timeout', bytesSentUpstream: 0 },
      retry: true,
      reason: 'nothing-sent',
    },
    {
      name: 'POST, reset before a byte was written',
      input: { ...post, bytesSentUpstream: 0 },
      retry: true,
      reason: 'nothing-sent',
    },
    {
      name: 'POST with a large streamed-once body, connect refused',
      input: { ...post, bodyReplayable: false, failure: 'connect-refused', bytesSentUpstream: 0 },
      retry: true,
      reason: 'nothing-sent',
    },
    // The upstream may have acted: idempotent requests only.
    {
      name: 'POST, body sent, upstream reset',
      input: { ...post, bytesSentUpstream: 70_000 },
      retry: false,
      reason: 'not-idempotent',
    },
    {
      name: 'POST, 503',
      input: { ...post, failure: 'status', status: 503 },
      retry: false,
      reason: 'not-idempotent',
    },
    {
      name: 'POST, per-try timeout',
      input: { ...post, failure: 'per-try-timeout' },
      retry: false,
      reason: 'not-idempotent',
    },
    {
      name: 'POST on a route that says it is idempotent, reset',
      input: { method: 'POST', idempotent: true },
      retry: true,
      reason: 'reset',
    },
    { name: 'GET, reset', input: {}, retry: true, reason: 'reset' },
    {
      name: 'GET, per-try timeout',
      input: { failure: 'per-try-timeout' },
      retry: true,
      reason: 'per-try-timeout',
    },
    { name: 'GET, 502', input: { failure: 'status', status: 502 }, retry: true, reason: 'gateway-status' },
    { name: 'GET, 503', input: { failure: 'status', status: 503 }, retry: true, reason: 'gateway-status' },
    { name: 'GET, 504', input: { failure: 'status', status: 504 }, retry: true, reason: 'gateway-status' },
    {
      name: 'GET, 500',
      input: { failure: 'status', status: 500 },
      retry: false,
      reason: 'status-not-retriable',
    },
    {
      name: 'GET, 429',
      input: { failure: 'status', status: 429 },
      retry: false,
      reason: 'status-not-retriable',
    },
    // A body that streamed once is never sent again.
    {
      name: 'PUT, large body streamed, reset',
      input: { method: 'PUT', bodyReplayable: false, bytesSentUpstream: 70_000 },
      retry: false,
      reason: 'body-not-replayable',
    },
    {
      name: 'PUT, large body streamed, 503',
      input: { method: 'PUT', bodyReplayable: false, failure: 'status', status: 503 },
      retry: false,
      reason: 'body-not-replayable',
    },
    // Attempts and deadline.
    { name: 'last attempt', input: { attempt: 3 }, retry: false, reason: 'max-attempts' },
    {
      name: 'POST, connect refused, last attempt',
      input: { ...post, failure: 'connect-refused', attempt: 3 },
      retry: false,
      reason: 'max-attempts',
    },
    { name: 'second of three', input: { attempt: 2 }, retry: true, reason: 'reset' },
    { name: 'maxAttempts 1', input: { maxAttempts: 1 }, retry: false, reason: 'max-attempts' },
    { name: 'at the deadline', input: { deadline: now }, retry: false, reason: 'deadline' },
    {
      name: 'connect refused past the deadline',
      input: { failure: 'connect-refused', deadline: now - 1 },
      retry: false,
      reason: 'deadline',
    },
    // Retry-After on 503.
    {
      name: 'GET 503, Retry-After 2 s within the deadline',
      input: { failure: 'status', status: 503, retryAfter: '2' },
      retry: true,
      reason: 'gateway-status',
      delayMs: 2_000,
    },
    {
      name: 'GET 503, Retry-After 10 s reaches the deadline',
      input: { failure: 'status', status: 503, retryAfter: '10' },
      retry: false,
      reason: 'retry-after-past-deadline',
    },
    {
      name: 'GET 503, Retry-After as an HTTP date 3 s ahead',
      input: { failure: 'status', status: 503, retryAfter: new Date(now + 3_000).toUTCString() },
      retry: true,
      reason: 'gateway-status',
      delayMs: 3_000,
    },
    {
      name: 'GET 503, Retry-After unreadable',
      input: { failure: 'status', status: 503, retryAfter: 'soon' },
      retry: true,
      reason: 'gateway-status',
      delayMs: 0,
    },
    {
      name: 'GET 502 ignores Retry-After',
      input: { failure: 'status', status: 502, retryAfter: '60' },
      retry: true,
      reason: 'gateway-status',
      delayMs: 0,
    },
  ])('$name → $reason', ({ input, retry, reason, delayMs }) => {
    const decision = shouldRetry({ ...base, ...input })
    expect(decision).toMatchObject({ retry, reason })
    if (delayMs !== undefined) expect(decision).toMatchObject({ delayMs })
  })
})

describe('retryAfterMs', () => {
  it.each([
    { value: '0', ms: 0 },
    { value: ' 5 ', ms: 5_000 },
    { value: '-5', ms: 0 },
    { value: '1.5', ms: 0 },
    { value: new Date(now - 5_000).toUTCString(), ms: 0 },
    { value: new Date(now + 60_000).toUTCString(), ms: 60_000 },
    { value: '', ms: 0 },
  ])('$value → $ms', ({ value, ms }) => {
    expect(retryAfterMs(value, now)).toBe(ms)
  })
})

describe('isIdempotent and the retry schema', () => {
  const defaults = retrySchema.parse({})
  it.each([
    { method: 'GET', routeAdds: [], idempotent: true },
    { method: 'HEAD', routeAdds: [], idempotent: true },
    { method: 'OPTIONS', routeAdds: [], idempotent: true },
    { method: 'PUT', routeAdds: [], idempotent: true },
    { method: 'DELETE', routeAdds: [], idempotent: true },
    { method: 'POST', routeAdds: [], idempotent: false },
    { method: 'PATCH', routeAdds: [], idempotent: false },
    { method: 'POST', routeAdds: ['POST'], idempotent: true },
  ])('$method with the route adding $routeAdds → $idempotent', ({ method, routeAdds, idempotent }) => {
    const options = retrySchema.parse({ idempotentMethods: [...defaults.idempotentMethods, ...routeAdds] })
    expect(isIdempotent(method, options)).toBe(idempotent)
  })

  it('has the documented defaults', () => {
    expect(defaults).toEqual({
      maxAttempts: 3,
      idempotentMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'],
      replayBodyLimitBytes: 65_536,
      backoff: { minMs: 25, maxMs: 250, factor: 2 },
      budget: { percent: 20, minConcurrency: 3, queueMs: 1000 },
    })
  })

  it.each([{ maxAttempts: 0 }, { idempotentMethods: ['get'] }, { budget: { percent: 120 } }, { retries: 2 }])(
    'rejects %o',
    (input) => {
      expect(retrySchema.safeParse(input).success).toBe(false)
    },
  )
})
