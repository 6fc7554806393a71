import { describe, expect, it } from 'vitest'
import { isLoopbackAddress } from './loopback.js'

describe('isLoopbackAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['127.255.255.254', true],
    ['::1', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['localhost', true],
    ['0.0.0.0', false],
    ['::', false],
    ['10.0.0.1', false],
    ['128.0.0.1', false],
    ['192.0.2.10', false],
    ['::2', false],
    ['::ffff:10.0.0.1', false],
    ['fe80::1%eth0', false],
    ['admin.example', false],
    ['', false],
  ])('%s → %s', (address, loopback) => {
    expect(isLoopbackAddress(address)).toBe(loopback)
  })
})
