import { describe, expect, it } from 'vitest'
import { endpointId } from './endpoint.js'

describe('endpointId', () => {
  it.each([
    ['127.0.0.11', 8080, '127.0.0.11:8080'],
    ['::1', 53, '[::1]:53'],
    ['2001:db8::5', 443, '[2001:db8::5]:443'],
  ])('%s port %d is %s', (address, port, id) => {
    expect(endpointId(address, port)).toBe(id)
  })
})
