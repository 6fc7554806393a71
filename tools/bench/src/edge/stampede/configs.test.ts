import { describe, expect, it } from 'vitest'
import { haproxyCache, nginxCache, ninesCache } from './configs.js'

const input = { dir: '/tmp/s', port: 9, origin: 7, root: false }

describe('stampede bench configs', () => {
  it('gives nginx a cache zone on the route, with proxy_cache_lock only when asked', () => {
    const locked = nginxCache(input, true)
    expect(locked).toContain('proxy_cache_path /tmp/s/cache keys_zone=pages:10m')
    expect(locked).toContain('proxy_cache pages;')
    expect(locked).toContain('proxy_cache_lock on;')
    expect(locked).toMatch(/upstream origin \{ server 127\.0\.0\.1:7; keepalive 64; \}/)
    expect(nginxCache(input, false)).toContain('proxy_cache_lock off;')
    expect(locked).not.toContain('user root;')
    expect(nginxCache({ ...input, root: true }, true)).toContain('user root;')
  })

  it('gives HAProxy its cache on requests and responses of the one backend', () => {
    const conf = haproxyCache(input)
    for (const line of ['cache pages', 'http-request cache-use pages', 'http-response cache-store pages'])
      expect(conf).toContain(line)
    expect(conf).toContain('server o1 127.0.0.1:7')
  })

  it('gives nines-edge one route with the cache on and collapse as asked', () => {
    expect(ninesCache(input, 10, '/tmp/s/edge1', true)).toContain(
      "- { host: '*', pool: origin, cache: { collapse: true } }",
    )
    expect(ninesCache(input, 10, '/tmp/s/edge1', false)).toContain('cache: { collapse: false }')
  })
})
