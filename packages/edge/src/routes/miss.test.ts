import { describe, expect, it } from 'vitest'
import { missResponse } from './miss.js'

describe('missResponse', () => {
  it.each([
    ['unknown-host', 421, 'This host is not served here.\n'],
    ['no-route', 404, 'Not found.\n'],
  ] as const)('%s → %i', (miss, status, body) => {
    expect(missResponse(miss)).toEqual({ status, contentType: 'text/plain; charset=utf-8', body })
  })
})
