import { describe, expect, it } from 'vitest'
import {
  clientResponseHeaders,
  upstreamRequestHeaders,
  viaValue,
  type UpstreamHeadersInput,
} from './headers.js'

const base: UpstreamHeadersInput = {
  rawHeaders: [],
  peerAddress: '198.51.100.4',
  trusted: false,
  proto: 'https',
  requestId: 'rid',
  via: viaValue(),
}

/** The flat list as name → values (lower-case names), for readable tables. */
function byName(flat: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (let i = 0; i < flat.length; i += 2) (out[flat[i]!.toLowerCase()] ??= []).push(flat[i + 1]!)
  return out
}

describe('upstreamRequestHeaders', () => {
  it.each([
    ['Connection', 'close'],
    ['Keep-Alive', 'timeout=5'],
    ['Proxy-Connection', 'keep-alive'],
    ['Proxy-Authorization', 'Basic eA=='],
    ['Proxy-Anything', 'x'],
    ['TE', 'trailers'],
    ['Trailer', 'Expires'],
    ['Transfer-Encoding', 'chunked'],
    ['Upgrade', 'h2c'],
    ['Expect', '100-continue'],
  ])('drops %s', (name, value) => {
    const out = byName(upstreamRequestHeaders({ ...base, rawHeaders: [name, value, 'Accept', '*/*'] }))
    expect(out[name.toLowerCase()]).toBeUndefined()
    expect(out['accept']).toEqual(['*/*'])
  })

  it('drops the headers every Connection header names, whatever their case', () => {
    const out = byName(
      upstreamRequestHeaders({
        ...base,
        rawHeaders: [
          'Connection',
          'X-A, keep-alive',
          'connection',
          'x-b',
          'x-a',
          '1',
          'X-B',
          '2',
          'X-C',
          '3',
        ],
      }),
    )
    expect(out['x-a']).toBeUndefined()
    expect(out['x-b']).toBeUndefined()
    expect(out['x-c']).toEqual(['3'])
  })

  it.each([
    // trusted, incoming, expected x-forwarded-for, expected forwarded
    [false, [], '198.51.100.4', 'for=198.51.100.4;proto=https;host=app.test'],
    [
      false,
      ['X-Forwarded-For', '1.2.3.4', 'Forwarded', 'for=1.2.3.4'],
      '198.51.100.4',
      'for=198.51.100.4;proto=https;host=app.test',
    ],
    [
      true,
      ['X-Forwarded-For', '1.2.3.4', 'Forwarded', 'for=1.2.3.4'],
      '1.2.3.4, 198.51.100.4',
      'for=1.2.3.4, for=198.51.100.4;proto=https;host=app.test',
    ],
    [
      true,
      ['X-Forwarded-For', '1.2.3.4', 'x-forwarded-for', '5.6.7.8'],
      '1.2.3.4, 5.6.7.8, 198.51.100.4',
      'for=198.51.100.4;proto=https;host=app.test',
    ],
  ] as const)('trusted %s, incoming %j', (trusted, incoming, xff, forwarded) => {
    const out = byName(
      upstreamRequestHeaders({ ...base, trusted, rawHeaders: ['Host', 'app.test', ...incoming] }),
    )
    expect(out['x-forwarded-for']).toEqual([xff])
    expect(out['forwarded']).toEqual([forwarded])
  })

  it.each([
    [false, 'https', 'app.test'],
    [true, 'http', 'edge.example'],
  ] as const)('X-Forwarded-Proto/-Host from a peer trusted %s', (trusted, proto, host) => {
    const raw = ['Host', 'app.test', 'X-Forwarded-Proto', 'http', 'X-Forwarded-Host', 'edge.example']
    const out = byName(upstreamRequestHeaders({ ...base, trusted, rawHeaders: raw }))
    expect(out['x-forwarded-proto']).toEqual([proto])
    expect(out['x-forwarded-host']).toEqual([host])
  })

  it.each([
    ['::ffff:10.1.2.3', '10.1.2.3', 'for=10.1.2.3;proto=https;host="app.test:8443"'],
    ['2001:db8::7', '2001:db8::7', 'for="[2001:db8::7]";proto=https;host="app.test:8443"'],
    [undefined, 'unknown', 'for=unknown;proto=https;host="app.test:8443"'],
  ])('peer %s', (peerAddress, xff, forwarded) => {
    const out = byName(
      upstreamRequestHeaders({ ...base, peerAddress, rawHeaders: ['Host', 'app.test:8443'] }),
    )
    expect(out['x-forwarded-for']).toEqual([xff])
    expect(out['forwarded']).toEqual([forwarded])
  })

  it('replaces the incoming request id, adds Via beside an earlier one, and keeps end-to-end headers in order', () => {
    const raw = ['Host', 'a.test', 'X-Request-Id', 'old', 'Via', '1.0 cdn', 'Cookie', 'a=1', 'Cookie', 'b=2']
    const flat = upstreamRequestHeaders({ ...base, via: viaValue('edge1'), rawHeaders: raw })
    const out = byName(flat)
    expect(out['x-request-id']).toEqual(['rid'])
    expect(out['via']).toEqual(['1.0 cdn', '1.1 edge1'])
    expect(out['cookie']).toEqual(['a=1', 'b=2'])
    expect(flat.slice(0, 2)).toEqual(['Host', 'a.test'])
  })
})

describe('clientResponseHeaders', () => {
  const raw = (list: string[]): Buffer[] => list.map((s) => Buffer.from(s, 'latin1'))

  it('drops hop-by-hop and Connection-named headers, keeps every set-cookie, sets the request id and Via', () => {
    const flat = clientResponseHeaders({
      rawHeaders: raw([
        'Content-Type',
        'text/plain',
        'Connection',
        'keep-alive, X-Hop',
        'Keep-Alive',
        'timeout=5',
        'Transfer-Encoding',
        'chunked',
        'X-Hop',
        'no',
        'Set-Cookie',
        'a=1',
        'Set-Cookie',
        'b=2',
        'X-Request-Id',
        'upstream',
        'Proxy-Authenticate',
        'Basic',
      ]),
      requestId: 'rid',
      via: viaValue(),
    })
    expect(byName(flat)).toEqual({
      'content-type': ['text/plain'],
      'set-cookie': ['a=1', 'b=2'],
      'x-request-id': ['rid'],
      via: ['1.1 nines-edge'],
    })
  })

  it.each([
    [undefined, {}],
    [
      { endpoint: 'app-b-1', attempts: 2 },
      { 'x-nines-endpoint': ['app-b-1'], 'x-nines-attempts': ['2'] },
    ],
  ])('debug %j', (debug, extra) => {
    const out = byName(clientResponseHeaders({ rawHeaders: [], requestId: 'rid', via: 'v', debug }))
    expect(out).toEqual({ 'x-request-id': ['rid'], via: ['v'], ...extra })
  })
})

describe('upgrade and trailer options', () => {
  const upgradeRequest = [
    'Connection',
    'keep-alive, Upgrade, x-hop',
    'Upgrade',
    'websocket',
    'x-hop',
    'no',
    'Sec-WebSocket-Key',
    'k',
    'Expect',
    '100-continue',
  ]

  it('keeps Upgrade and sends Connection: upgrade for an upgrade request, still dropping hop-by-hop', () => {
    const out = byName(upstreamRequestHeaders({ ...base, rawHeaders: upgradeRequest, upgrade: true }))
    expect(out['upgrade']).toEqual(['websocket'])
    expect(out['connection']).toEqual(['upgrade'])
    expect(out['sec-websocket-key']).toEqual(['k'])
    expect(out['x-hop']).toBeUndefined()
    expect(out['expect']).toBeUndefined()
  })

  it('drops Upgrade and Connection without the option', () => {
    const out = byName(upstreamRequestHeaders({ ...base, rawHeaders: upgradeRequest }))
    expect(out['upgrade']).toBeUndefined()
    expect(out['connection']).toBeUndefined()
  })

  it('keeps the 101 answer’s Upgrade, and Trailer only when asked', () => {
    const raw = ['Upgrade', 'websocket', 'Connection', 'Upgrade', 'Trailer', 'x-checksum']
    const upgraded = byName(
      clientResponseHeaders({ rawHeaders: raw, requestId: 'r', via: 'v', upgrade: true }),
    )
    expect(upgraded['upgrade']).toEqual(['websocket'])
    expect(upgraded['connection']).toEqual(['upgrade'])
    expect(upgraded['trailer']).toBeUndefined()
    const trailed = byName(
      clientResponseHeaders({ rawHeaders: raw, requestId: 'r', via: 'v', keepTrailer: true }),
    )
    expect(trailed['trailer']).toEqual(['x-checksum'])
    expect(trailed['upgrade']).toBeUndefined()
  })
})
