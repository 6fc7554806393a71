import { describe, expect, it } from 'vitest'
import { listenAddressSchema, parseListenAddress } from './listen-address.js'

describe('parseListenAddress', () => {
  it.each([
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080, family: 4 }],
    ['0.0.0.0:0', { host: '0.0.0.0', port: 0, family: 4 }],
    ['[::]:443', { host: '::', port: 443, family: 6 }],
  ])('%s', (text, expected) => expect(parseListenAddress(text)).toEqual(expected))

  it.each(['localhost:8080', '127.0.0.1', '127.0.0.1:65536', '::1:80', '[127.0.0.1]:80', ''])(
    'rejects %j',
    (text) => {
      expect(parseListenAddress(text)).toBeNull()
      expect(listenAddressSchema.safeParse(text).error!.issues[0]!.message).toBe(
        `expected ip:port or [ipv6]:port, such as 127.0.0.1:8080 or [::1]:8080, got ${JSON.stringify(text)}`,
      )
    },
  )
})
