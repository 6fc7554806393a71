import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { ConfigError, jsonSchemaOf, loadConfig, parseConfig } from '@nines/config'
import { describe, expect, it } from 'vitest'
import { configSchema, dnsInstance, dnsSection } from './config.js'

const root = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url))

const minimal = (extra = '') => `
instances:
  ns1:
    dns: { listen: ['127.0.0.1:5300'] }
    admin: { port: 9301 }
    stateDir: var/ns1
pools:
  app:
    check: { kind: tcp }
    endpoints: [{ name: a, address: 127.0.0.11, port: 8080 }]
dns:
  zones:
    nines.test:
      ns: [{ name: ns1.nines.test, addresses: [127.0.0.1] }]
      names:
        app: { pool: app }
${extra}`

function issues(text: string): string {
  try {
    parseConfig(text, configSchema, 'test.yaml')
  } catch (error) {
    if (error instanceof ConfigError) return error.message
    throw error
  }
  return 'valid'
}

describe('the nines-dns configuration', () => {
  it('accepts the committed local stack example, with every default filled in', async () => {
    const { config } = await loadConfig(root('examples/local.yaml'), configSchema)
    expect(Object.keys(config.instances)).toEqual(['ns1', 'ns2', 'edge1', 'edge2'])
    expect(dnsInstance(config, 'ns2').dns.listen).toEqual(['127.0.0.2:5300'])
    expect(config.health.firstRoundCapMs).toBe(10_000)
    expect(config.pools.app?.check).toMatchObject({ kind: 'http', rise: 2, fall: 3, reuseConnection: true })
    expect(dnsSection(config).zones['nines.test']?.names.app).toMatchObject({
      pool: 'edges',
      policy: { kind: 'all', allDown: 'fail-open', locality: { mode: 'first' } },
    })
  })

  it('names the exact path and value of a bad field', () => {
    expect(issues(minimal().replace('port: 8080', 'port: 70000'))).toMatch(
      /test\.yaml:\d+:\d+ pools\.app\.endpoints\[0\]\.port: expected 1\.\.65535, got 70000/,
    )
    expect(issues(minimal().replace('{ pool: app }', '{ pool: ap }'))).toMatch(
      /unknown pool "ap" \(pools: app\)/,
    )
  })

  it('keeps instances from sharing addresses or state', () => {
    const twins = minimal().replace(
      'pools:',
      `  ns2:\n    dns: { listen: ['127.0.0.1:5300'] }\n    admin: { port: 9302 }\n    stateDir: var/ns1\npools:`,
    )
    const message = issues(twins)
    expect(message).toMatch(/instances\.ns2\.stateDir: stateDir var\/ns1 is also used by instance "ns1"/)
    expect(message).toMatch(/instances\.ns2\.dns\.listen\[0\]: listen 127\.0\.0\.1:5300 is also used/)
  })

  it('runs only instances with a dns entry, and says which do', async () => {
    const { config } = await loadConfig(root('examples/local.yaml'), configSchema)
    expect(() => dnsInstance(config, 'edge1')).toThrow(
      'instance "edge1" has no dns entry; nines-dns runs instances with one (ns1, ns2)',
    )
  })

  it('ships a JSON Schema for editors that matches the code (npm run schema)', async () => {
    const committed = JSON.parse(await readFile(root('docs/nines.schema.json'), 'utf8'))
    expect(committed).toEqual(jsonSchemaOf(configSchema, { title: 'nines configuration' }))
  })
})
