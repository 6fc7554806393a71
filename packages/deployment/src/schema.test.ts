import { fileURLToPath } from 'node:url'
import { ConfigError, loadConfig, parseConfig } from '@nines/config'
import { describe, expect, it } from 'vitest'
import { deploymentSchema } from './schema.js'

const root = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url))

const instances = `
instances:
  ns1:
    dns: { listen: ['127.0.0.1:5300'] }
    admin: { port: 9301 }
    stateDir: var/ns1
  edge1:
    edge: { listen: ['127.0.0.1:8080'], region: local, zone: z1 }
    admin: { port: 9311 }
    stateDir: var/edge1
`
const pools = `
pools:
  app:
    check: { kind: tcp }
    endpoints:
      - { name: a, address: 127.0.0.11, port: 8080 }
      - { name: b, address: 127.0.0.12, port: 8080 }
`
const dns = `
dns:
  zones:
    nines.test:
      ns: [{ name: ns1.nines.test, addresses: [127.0.0.1] }]
      names:
        app: { pool: app }
`
const edge = `
edge:
  routes:
    - { host: app.nines.test, pool: app, name: app }
`
const both = instances + pools + dns + edge

function issues(text: string): string {
  try {
    parseConfig(text, deploymentSchema, 'test.yaml')
  } catch (error) {
    if (error instanceof ConfigError) return error.message
    throw error
  }
  return 'valid'
}

describe('the deployment file', () => {
  it('holds both daemons’ instances, each part with its defaults', () => {
    const config = parseConfig(both, deploymentSchema, 'test.yaml')
    expect(config.instances.ns1?.dns?.listen).toEqual(['127.0.0.1:5300'])
    expect(config.instances.ns1?.edge).toBeUndefined()
    expect(config.instances.edge1?.edge).toMatchObject({ region: 'local', zone: 'z1', debugHeaders: false })
    expect(config.edge?.routes[0]).toMatchObject({ name: 'app', pool: 'app', balance: { kind: 'p2c' } })
    expect(config.dns?.localities).toEqual([])
  })

  it('takes one instance running both daemons', () => {
    const text = both.replace(
      "dns: { listen: ['127.0.0.1:5300'] }",
      "dns: { listen: ['127.0.0.1:5300'] }\n    edge: { listen: ['127.0.0.1:8081'] }",
    )
    expect(issues(text)).toBe('valid')
  })

  it('needs neither section when no instance serves it', () => {
    const dnsOnly = instances.split('  edge1:')[0]! + pools + dns
    expect(issues(dnsOnly)).toBe('valid')
    const edgeOnly = `instances:\n  edge1:${instances.split('  edge1:')[1]}` + pools + edge
    expect(issues(edgeOnly)).toBe('valid')
  })

  it.each([
    [
      'no dns section',
      instances + pools + edge,
      /^test\.yaml:\d+:\d+ dns: expected a top-level dns section \{ zones \}: the DNS zones it serves \(instance "ns1" has dns\)$/m,
    ],
    [
      'no edge section',
      instances + pools + dns,
      /^test\.yaml:\d+:\d+ edge: expected a top-level edge section \{ routes \}: the routes it serves \(instance "edge1" has edge\)$/m,
    ],
    [
      'an instance serving nothing',
      both.replace("    edge: { listen: ['127.0.0.1:8080'], region: local, zone: z1 }\n", ''),
      /instances\.edge1: expected a dns or an edge entry \(or both\)/,
    ],
    [
      'a route to an unknown pool',
      both.replace(
        'pool: app, name: app }',
        'pool: app, name: app }\n    - { host: api.nines.test, pool: app }\n    - { host: cms.nines.test, pool: cms }',
      ),
      /test\.yaml:\d+:\d+ edge\.routes\[2\]\.pool: unknown pool "cms" \(pools: app\)/,
    ],
    [
      'an edge on the DNS server’s address',
      both.replace("edge: { listen: ['127.0.0.1:8080']", "edge: { listen: ['127.0.0.1:5300']"),
      /instances\.edge1\.edge\.listen\[0\]: listen 127\.0\.0\.1:5300 is also used by instance "ns1"/,
    ],
    [
      'an edge TLS listener on the DNS server’s address',
      both.replace(
        'region: local',
        "tls: { listen: ['127.0.0.1:5300'], certificates: [{ certFile: a.pem, keyFile: a.key }] }, region: local",
      ),
      /instances\.edge1\.edge\.tls\.listen\[0\]: listen 127\.0\.0\.1:5300 is also used by instance "ns1"/,
    ],
    [
      'a DoT listener on the edge’s address',
      both.replace(
        "dns: { listen: ['127.0.0.1:5300'] }",
        "dns: { listen: ['127.0.0.1:5300'], tls: { certificates: [{ certFile: a.pem, keyFile: a.key }] }, dot: { listen: ['127.0.0.1:8080'] } }",
      ),
      /instances\.edge1\.edge\.listen\[0\]: listen 127\.0\.0\.1:8080 is also used by instance "ns1"/,
    ],
    [
      'a DoH listener on the instance’s own DNS address',
      both.replace(
        "dns: { listen: ['127.0.0.1:5300'] }",
        "dns: { listen: ['127.0.0.1:5300'], doh: { plainListen: ['127.0.0.1:5300'] } }",
      ),
      /instances\.ns1\.dns\.doh\.plainListen\[0\]: listen 127\.0\.0\.1:5300 is also used by instance "ns1"/,
    ],
    [
      'DoH over TLS without certificates',
      both.replace(
        "dns: { listen: ['127.0.0.1:5300'] }",
        "dns: { listen: ['127.0.0.1:5300'], doh: { listen: ['127.0.0.1:8443'] } }",
      ),
      /instances\.ns1\.dns\.doh: requires dns\.tls \(certificates\) for listen; use plainListen without TLS/,
    ],
    [
      'DoT without certificates',
      both.replace(
        "dns: { listen: ['127.0.0.1:5300'] }",
        "dns: { listen: ['127.0.0.1:5300'], dot: { listen: ['127.0.0.1:8853'] } }",
      ),
      /instances\.ns1\.dns\.dot: requires dns\.tls \(certificates\)/,
    ],
    [
      'a bad DoH listen address',
      both.replace(
        "dns: { listen: ['127.0.0.1:5300'] }",
        "dns: { listen: ['127.0.0.1:5300'], doh: { plainListen: ['nope'] } }",
      ),
      /instances\.ns1\.dns\.doh\.plainListen\[0\]: expected ip:port/,
    ],
    [
      'a bad trusted proxy',
      both.replace(
        "dns: { listen: ['127.0.0.1:5300'] }",
        "dns: { listen: ['127.0.0.1:5300'], doh: { plainListen: ['127.0.0.1:8081'], trustedProxies: ['10.0.0.1/8'] } }",
      ),
      /instances\.ns1\.dns\.doh\.trustedProxies\[0\]: host bits set/,
    ],
    ['an unknown top-level key', both + 'edges: {}\n', /unknown key "edges" \(did you mean "edge"\?\)/],
    [
      'an unknown instance key',
      both.replace('stateDir: var/edge1', 'stateDir: var/edge1\n    cache: {}'),
      /instances\.edge1: unknown key "cache"/,
    ],
  ])('refuses %s at the exact path', (_what, text, message) => {
    expect(issues(text)).toMatch(message)
  })

  it('lets two instances listen on port 0 (the system picks a free port each time)', () => {
    const text = both
      .replace("dns: { listen: ['127.0.0.1:5300'] }", "dns: { listen: ['127.0.0.1:0'] }")
      .replace("edge: { listen: ['127.0.0.1:8080']", "edge: { listen: ['127.0.0.1:0']")
    expect(issues(text)).toBe('valid')
  })
})

describe('pools in the deployment file', () => {
  it('default ejection and panic (the edge’s; nines-dns ignores them)', () => {
    const config = parseConfig(both, deploymentSchema, 'test.yaml')
    expect(config.pools.app).toMatchObject({
      ejection: {
        enabled: true,
        consecutive5xx: 5,
        consecutiveGatewayFailure: 3,
        baseEjectionTimeMs: 30_000,
        maxEjectionTimeMs: 300_000,
        maxEjectionPercent: 50,
        decayIntervalMs: 10_000,
      },
      panic: { thresholdPercent: 50 },
    })
  })

  it('takes ejection and panic of its own', () => {
    const text = both.replace(
      'check: { kind: tcp }',
      'check: { kind: tcp }\n    ejection: { consecutive5xx: 0 }\n    panic: { thresholdPercent: 0 }',
    )
    const config = parseConfig(text, deploymentSchema, 'test.yaml')
    expect(config.pools.app?.ejection.consecutive5xx).toBe(0)
    expect(config.pools.app?.ejection.consecutiveGatewayFailure).toBe(3)
    expect(config.pools.app?.panic.thresholdPercent).toBe(0)
  })

  it.each([
    ['ejection: { consecutive5xx: -1 }', /pools\.app\.ejection\.consecutive5xx: .*-1/],
    ['ejection: { maxEjectionPercent: 101 }', /pools\.app\.ejection\.maxEjectionPercent: .*101/],
    [
      'ejection: { baseEjectionTime: 1 }',
      /pools\.app\.ejection: unknown key "baseEjectionTime" \(did you mean "baseEjectionTimeMs"\?\)/,
    ],
    ['panic: { thresholdPercent: 150 }', /pools\.app\.panic\.thresholdPercent: .*150/],
    ['panic: 50', /pools\.app\.panic: .*/],
  ])('refuses %s at the exact path', (option, message) => {
    expect(issues(both.replace('check: { kind: tcp }', `check: { kind: tcp }\n    ${option}`))).toMatch(
      message,
    )
  })

  it('still refuses duplicate endpoints, at the exact path', () => {
    const text = both.replace('name: b, address: 127.0.0.12', 'name: a, address: 127.0.0.12')
    expect(issues(text)).toMatch(
      /pools\.app\.endpoints\[1\]\.name: duplicate endpoint "a" \(also endpoints\[0\]\)/,
    )
  })
})

describe('examples/local.yaml', () => {
  it('is a valid deployment with both daemons', async () => {
    const { config } = await loadConfig(root('examples/local.yaml'), deploymentSchema)
    const serving = (role: 'dns' | 'edge') =>
      Object.keys(config.instances).filter((name) => config.instances[name]?.[role] !== undefined)
    expect(serving('dns')).toEqual(['ns1', 'ns2'])
    expect(serving('edge')).toEqual(['edge1', 'edge2'])
    expect(config.edge?.routes.map((r) => [r.name, r.pathPrefix, r.pool, r.class])).toEqual([
      ['app', '/', 'app', 'normal'],
      ['api', '/api', 'app', 'critical'],
      ['topup', '/api/topup', 'app', 'critical'],
      ['statement', '/api/statement', 'app', 'sheddable'],
      ['cms', '/cms', 'cms', 'sheddable'],
    ])
  })
})
