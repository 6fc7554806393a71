import { describe, expect, it } from 'vitest'
import { formatListenAddress, parseListenAddress } from './listen-address.js'
import { serverOptionsSchema } from './schema.js'

describe('parseListenAddress', () => {
  it.each([
    ['127.0.0.1:5300', { host: '127.0.0.1', port: 5300, family: 4 }],
    ['0.0.0.0:53', { host: '0.0.0.0', port: 53, family: 4 }],
    ['[::1]:5300', { host: '::1', port: 5300, family: 6 }],
    ['[::]:0', { host: '::', port: 0, family: 6 }],
    ['[2001:db8::53]:65535', { host: '2001:db8::53', port: 65535, family: 6 }],
  ])('%s', (text, expected) => {
    expect(parseListenAddress(text)).toEqual(expected)
    expect(formatListenAddress(expected as never)).toBe(text)
  })

  it.each([
    'localhost:53',
    '127.0.0.1',
    '127.0.0.1:65536',
    '::1:53',
    '[127.0.0.1]:53',
    '1.2.3.4:-1',
    '[::1]:',
    '',
  ])('rejects %j', (text) => expect(parseListenAddress(text)).toBeNull())
})

describe('serverOptionsSchema', () => {
  it('fills defaults', () => {
    expect(serverOptionsSchema.parse({ listen: ['127.0.0.1:5300'] })).toEqual({
      listen: ['127.0.0.1:5300'],
      maxUdpPayload: 1232,
      tcp: {
        maxConnections: 256,
        maxConnectionsPerSource: 16,
        idleTimeoutMs: 10_000,
        messageTimeoutMs: 3_000,
      },
      rrl: {
        enabled: false,
        responsesPerSecond: 100,
        slip: 2,
        ipv4Prefix: 24,
        ipv6Prefix: 56,
        maxPrefixes: 100_000,
      },
      identity: { nsid: false, chaos: false },
    })
  })

  it.each([
    [{ listen: [] }, ['listen'], 'expected at least one listen address'],
    [
      { listen: ['127.0.0.1:5300', 'ns1:53'] },
      ['listen', 1],
      'expected ip:port or [ipv6]:port, such as 127.0.0.1:5300 or [::1]:5300, got "ns1:53"',
    ],
    [{ listen: ['[::1]:53'], tcp: { maxConnections: 0 } }, ['tcp', 'maxConnections'], undefined],
    [{ listen: ['[::1]:53'], maxUdpPayload: 100 }, ['maxUdpPayload'], undefined],
    [
      { listen: ['[::1]:53'], tcp: { maxConnectionsPerSource: 0 } },
      ['tcp', 'maxConnectionsPerSource'],
      undefined,
    ],
    [{ listen: ['[::1]:53'], tcp: { messageTimeoutMs: 10 } }, ['tcp', 'messageTimeoutMs'], undefined],
    [{ listen: ['[::1]:53'], rrl: { slip: 11 } }, ['rrl', 'slip'], undefined],
  ])('rejects %j at the exact path', (input, path, message) => {
    const result = serverOptionsSchema.safeParse(input)
    expect(result.success).toBe(false)
    const issue = result.error!.issues[0]!
    expect(issue.path).toEqual(path)
    if (message !== undefined) expect(issue.message).toBe(message)
  })
})
