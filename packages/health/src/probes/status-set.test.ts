import { isNinesError } from '@nines/core'
import { describe, expect, it } from 'vitest'
import { parseStatusSet } from './status-set.js'

describe('parseStatusSet', () => {
  it.each([
    ['200-399', [200, 204, 301, 399], [199, 400, 503]],
    ['200,204,300-302', [200, 204, 300, 301, 302], [201, 203, 299, 303]],
    [' 200 - 201 , 503 ', [200, 201, 503], [202, 502]],
    ['503', [503], [200, 504]],
  ])('%s', (spec, inside, outside) => {
    const matches = parseStatusSet(spec)
    for (const status of inside) expect(matches(status), `${status}`).toBe(true)
    for (const status of outside) expect(matches(status), `${status}`).toBe(false)
  })

  it.each(['', '20', '200-', 'abc', '200;204', '399-200', '000-099', '200-600'])('rejects %j', (spec) => {
    let thrown: unknown
    try {
      parseStatusSet(spec)
    } catch (error) {
      thrown = error
    }
    expect(isNinesError(thrown, 'NINES_ERR_INVALID_ARGUMENT')).toBe(true)
  })
})
