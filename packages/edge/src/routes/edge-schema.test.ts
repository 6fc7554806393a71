import { describe, expect, it } from 'vitest'
import { edgeInstanceSchema, edgeListenClaims } from './edge-schema.js'

const tls = (certificates: unknown[], listen = ['0.0.0.0:8443']) => ({ listen, certificates })
const cert = (serverNames?: string[]) => ({
  certFile: 'tls/edge.crt',
  keyFile: 'tls/edge.key',
  ...(serverNames ? { serverNames } : {}),
})

describe('edgeInstanceSchema', () => {
  it('fills defaults', () => {
    expect(edgeInstanceSchema.parse({ listen: ['127.0.0.1:8080'] })).toEqual({
      listen: ['127.0.0.1:8080'],
      limits: {
        headersTimeoutMs: 10_000,
        requestTimeoutMs: 30_000,
        maxHeaderBytes: 16_384,
        maxBodyBytes: 10_485_760,
        keepAliveTimeoutMs: 5_000,
        maxConnections: 10_000,
      },
      trustedProxies: [],
      debugHeaders: false,
      cache: { maxBytes: 67_108_864, maxEntryBytes: 1_048_576 },
      shutdownTimeoutMs: 10_000,
    })
  })

  it('takes TLS with SNI, locality and trusted proxies', () => {
    const edge = edgeInstanceSchema.parse({
      tls: tls([cert(), cert(['App.Nines.Test', '*.api.nines.test'])], ['[::]:8443']),
      region: 'eu-west',
      zone: 'eu-west-1a',
      trustedProxies: ['10.0.0.0/8', '::1'],
      debugHeaders: true,
    })
    expect(edge.listen).toEqual([])
    expect(edge.tls!.certificates[0]!.serverNames).toEqual([])
    expect(edge.tls!.certificates[1]!.serverNames).toEqual(['app.nines.test', '*.api.nines.test'])
    expect(edge).toMatchObject({ region: 'eu-west', zone: 'eu-west-1a', debugHeaders: true })
  })

  it.each([
    [{}, ['listen'], 'expected at least one listen address (or tls.listen)'],
    [
      { listen: ['127.0.0.1:8080', 'edge1:80'] },
      ['listen', 1],
      'expected ip:port or [ipv6]:port, such as 127.0.0.1:8080 or [::1]:8080, got "edge1:80"',
    ],
    [
      { listen: ['127.0.0.1:8080', '127.0.0.1:8080'] },
      ['listen', 1],
      'listen 127.0.0.1:8080 is also listen[0]',
    ],
    [
      { listen: ['127.0.0.1:8080'], tls: tls([cert()], ['[::1]:8443', '127.0.0.1:8080']) },
      ['tls', 'listen', 1],
      'listen 127.0.0.1:8080 is also listen[0]',
    ],
    [{ tls: tls([cert()], []) }, ['tls', 'listen'], 'expected at least one TLS listen address'],
    [{ tls: tls([]) }, ['tls', 'certificates'], 'expected at least one certificate'],
    [
      { tls: tls([cert(), cert(['a.nines.test']), cert()]) },
      ['tls', 'certificates', 2, 'serverNames'],
      'expected serverNames: certificates[0] is already the default certificate',
    ],
    [
      { tls: tls([cert(['a.nines.test', 'b.nines.test']), cert(['B.nines.test.'])]) },
      ['tls', 'certificates', 1, 'serverNames', 0],
      'b.nines.test is also served by certificates[0].serverNames[1]',
    ],
    [
      { tls: tls([cert(['*'])]) },
      ['tls', 'certificates', 0, 'serverNames', 0],
      'expected a name or a *. wildcard; a certificate without serverNames is the default',
    ],
    [
      { tls: tls([{ certFile: '', keyFile: 'k' }]) },
      ['tls', 'certificates', 0, 'certFile'],
      'expected a file path',
    ],
    [{ tls: tls([{ certFile: 'c' }]) }, ['tls', 'certificates', 0, 'keyFile'], undefined],
    [{ listen: ['[::1]:80'], zone: 'eu west' }, ['zone'], 'expected a label such as eu-west-1a'],
    [
      { listen: ['[::1]:80'], limits: { headersTimeoutMs: 40_000 } },
      ['limits', 'headersTimeoutMs'],
      'expected at most requestTimeoutMs (30000), got 40000',
    ],
    [{ listen: ['[::1]:80'], limits: { maxConnections: 0 } }, ['limits', 'maxConnections'], undefined],
    [{ listen: ['[::1]:80'], limits: { maxHeaderBytes: 100 } }, ['limits', 'maxHeaderBytes'], undefined],
    [{ listen: ['[::1]:80'], limits: { maxBodyBytes: -1 } }, ['limits', 'maxBodyBytes'], undefined],
    [{ listen: ['[::1]:80'], limits: { idleMs: 1 } }, ['limits'], undefined],
    [
      { listen: ['[::1]:80'], trustedProxies: ['10.0.0.0/8', 'lb.local'] },
      ['trustedProxies', 1],
      'expected an address or CIDR such as 10.0.0.0/8, 192.0.2.7 or fd00::/8, got "lb.local"',
    ],
    [{ listen: ['[::1]:80'], debugHeaders: 'yes' }, ['debugHeaders'], undefined],
    [{ listen: ['[::1]:80'], admin: { port: 9000 } }, [], undefined],
  ])('rejects %j at the exact path', (input, path, message) => {
    const result = edgeInstanceSchema.safeParse(input)
    expect(result.success).toBe(false)
    const issue = result.error!.issues[0]!
    expect(issue.path).toEqual(path)
    if (message !== undefined) expect(issue.message).toBe(message)
  })
})

describe('edgeListenClaims', () => {
  it('claims every HTTP and TLS listener at its path below the instance', () => {
    const edge = edgeInstanceSchema.parse({
      listen: ['127.0.0.1:8080'],
      tls: tls([cert()], ['[::1]:8443', '127.0.0.1:8443']),
    })
    expect(edgeListenClaims(edge)).toEqual([
      ['listen 127.0.0.1:8080', ['edge', 'listen', 0]],
      ['listen [::1]:8443', ['edge', 'tls', 'listen', 0]],
      ['listen 127.0.0.1:8443', ['edge', 'tls', 'listen', 1]],
    ])
  })
})
