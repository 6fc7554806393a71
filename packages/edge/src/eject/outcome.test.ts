import { describe, expect, it } from 'vitest'
import { attemptOutcome, type AttemptResult } from './outcome.js'

describe('attemptOutcome', () => {
  it.each<{ result: AttemptResult; status?: number; outcome: string }>([
    { result: 'connect-refused', outcome: 'connect-failure' },
    { result: 'connect-timeout', outcome: 'connect-failure' },
    { result: 'reset', outcome: 'reset' },
    { result: 'per-try-timeout', outcome: 'timeout' },
    { result: 'status', status: 200, outcome: 'ok' },
    { result: 'status', status: 404, outcome: 'ok' },
    { result: 'status', status: 429, outcome: 'ok' },
    { result: 'status', status: 500, outcome: '5xx' },
    { result: 'status', status: 501, outcome: '5xx' },
    { result: 'status', status: 502, outcome: 'gateway-error' },
    { result: 'status', status: 503, outcome: 'gateway-error' },
    { result: 'status', status: 504, outcome: 'gateway-error' },
    { result: 'status', status: 599, outcome: '5xx' },
  ])('$result $status → $outcome', ({ result, status, outcome }) => {
    expect(attemptOutcome(result, status)).toBe(outcome)
  })
})
