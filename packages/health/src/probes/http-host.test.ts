import { describe, expect, it } from 'vitest'
import { redirectPath, requestHost, type RequestPlace } from './http-host.js'

describe('requestHost', () => {
  it.each([
    [undefined, { address: '10.0.0.1', port: 80 }, '10.0.0.1', '10.0.0.1', undefined],
    [
      undefined,
      { address: '10.0.0.1', port: 80, host: 'app.example' },
      'app.example',
      'app.example',
      'app.example',
    ],
    [
      'api.example',
      { address: '10.0.0.1', port: 80, host: 'app.example' },
      'api.example',
      'api.example',
      'api.example',
    ],
    ['api.example:8443', { address: '10.0.0.1', port: 80 }, 'api.example:8443', 'api.example', 'api.example'],
    [undefined, { address: '::1', port: 80 }, '[::1]', '::1', undefined],
    ['2001:db8::5', { address: '::1', port: 80 }, '[2001:db8::5]', '2001:db8::5', undefined],
    ['[2001:db8::5]:8080', { address: '::1', port: 80 }, '[2001:db8::5]:8080', '2001:db8::5', undefined],
  ])('host %s for %j', (configured, target, header, name, servername) => {
    expect(requestHost(configured, target)).toEqual({ header, name, servername })
  })
})

describe('redirectPath', () => {
  const from: RequestPlace = {
    tls: false,
    host: requestHost('app.example', { address: '127.0.0.1', port: 8080 }),
    port: 8080,
    path: '/a/b?x=1',
  }

  it.each([
    ['/login', '/login'],
    ['c?y=2', '/a/c?y=2'],
    ['../up', '/up'],
    ['http://app.example/next', '/next'],
    ['http://APP.example:8080/next?q', '/next?q'],
    ['//app.example/proto-relative', '/proto-relative'],
  ])('follows %s on the same endpoint', (location, path) => {
    expect(redirectPath(location, from)).toBe(path)
  })

  it.each([
    'http://other.example/next',
    'https://app.example/next',
    'http://app.example:9090/next',
    'http://[::1]/x',
    'http://%/bad',
  ])('refuses %s', (location) => {
    expect(redirectPath(location, from)).toBeUndefined()
  })

  it('compares IPv6 hosts in brackets', () => {
    const v6: RequestPlace = {
      tls: true,
      host: requestHost(undefined, { address: '::1', port: 443 }),
      port: 443,
      path: '/',
    }
    expect(redirectPath('https://[::1]/ok', v6)).toBe('/ok')
    expect(redirectPath('https://[::2]/no', v6)).toBeUndefined()
  })
})
