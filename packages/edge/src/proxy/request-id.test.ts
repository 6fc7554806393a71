import { describe, expect, it } from 'vitest'
import { requestIdOf } from './request-id.js'

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('requestIdOf', () => {
  it.each(['abc', 'a-b_c.d=e:f', 'x'.repeat(200), '0b8a1c2e-0000-4000-8000-000000000000'])(
    'keeps %s',
    (id) => {
      expect(requestIdOf(id)).toBe(id)
    },
  )

  it.each([undefined, '', 'x'.repeat(201), 'has space', 'new\nline', 'quote"', 'é', 'a/b', 'a,b'])(
    'replaces %j with a UUID',
    (id) => {
      expect(requestIdOf(id)).toMatch(uuid)
    },
  )

  it('takes the first of repeated headers', () => {
    expect(requestIdOf(['first', 'second'])).toBe('first')
  })

  it('generates a different id each time', () => {
    expect(requestIdOf(undefined)).not.toBe(requestIdOf(undefined))
  })
})
