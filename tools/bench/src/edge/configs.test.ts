import { describe, expect, it } from 'vitest'
import { haproxy, ninesEdge, proxyNginx, smallBody, upstreamNginx } from './configs.js'

describe('edge bench configs', () => {
  it('serves a 100-byte small body, a /large file and /health from three ports', () => {
    expect(Buffer.byteLength(smallBody)).toBe(100)
    const conf = upstreamNginx('/tmp/u', [1, 2, 3], false)
    for (const port of [1, 2, 3]) expect(conf).toContain(`listen 127.0.0.1:${port};`)
    expect(conf).toContain('location = /large')
    expect(conf).toContain('location = /health')
    expect(conf).toContain('worker_processes 1;')
    expect(conf).not.toContain('user root;')
  })

  it('runs nginx workers as root only when the bench is root (they must read the 0700 temp dir)', () => {
    expect(upstreamNginx('/tmp/u', [1], true)).toContain('user root;')
  })

  it('gives the nginx proxy upstream keep-alive, HTTP/1.1 and an empty Connection header', () => {
    const conf = proxyNginx('/tmp/p', 9, [1, 2, 3], false)
    expect(conf).toMatch(/upstream app \{[^}]*keepalive 64;/)
    expect(conf).toContain('proxy_http_version 1.1;')
    expect(conf).toContain('proxy_set_header Connection "";')
    expect(conf).toContain('listen 127.0.0.1:9;')
  })

  it('gives HAProxy one thread, keep-alive, safe reuse, round robin and checks on every server', () => {
    const conf = haproxy(9, [1, 2, 3])
    for (const line of ['nbthread 1', 'option http-keep-alive', 'http-reuse safe', 'balance roundrobin'])
      expect(conf).toContain(line)
    expect(conf).toContain('option httpchk GET /health')
    expect(conf.match(/server u\d 127\.0\.0\.1:\d check inter 2s/g)).toHaveLength(3)
  })

  it('writes the nines-edge config of the brief: one instance, one checked pool, every host', () => {
    const yaml = ninesEdge(9, 10, '/tmp/n/edge1', [1, 2, 3])
    expect(yaml).toContain("edge: { listen: ['127.0.0.1:9'] }")
    expect(yaml).toContain('admin: { address: 127.0.0.1, port: 10 }')
    expect(yaml).toContain('check: { kind: http, path: /health, intervalMs: 2000, timeoutMs: 1000 }')
    expect(yaml).toContain('- { name: u3, address: 127.0.0.1, port: 3 }')
    expect(yaml).toContain("- { host: '*', pool: app }")
  })
})
