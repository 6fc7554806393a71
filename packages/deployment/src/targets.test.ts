import { parseConfig } from '@nines/config'
import { describe, expect, it } from 'vitest'
import type { MonitorTarget } from '@nines/health'
import { deploymentSchema } from './schema.js'
import { dnsTargets, edgeTargets } from './targets.js'

const pool = (address: string) => `
    check: { kind: tcp }
    endpoints: [{ name: a, address: ${address}, port: 8080 }, { address: ${address}, port: 8081 }]`

const config = parseConfig(
  `
instances:
  ns1: { dns: { listen: ['127.0.0.1:5300'] }, admin: { port: 9301 }, stateDir: var/ns1 }
  edge1: { edge: { listen: ['127.0.0.1:8080'] }, admin: { port: 9311 }, stateDir: var/edge1 }
pools:
  app: ${pool('127.0.0.11')}
  api: ${pool('127.0.0.12')}
  cms: ${pool('127.0.0.13')}
  spare: ${pool('127.0.0.14')}
dns:
  zones:
    nines.test:
      ns: [{ name: ns1.nines.test, addresses: [127.0.0.1] }]
      names:
        app: { pool: app }
        www: { pool: app }
edge:
  routes:
    - { host: app.nines.test, pool: app }
    - { host: app.nines.test, pathPrefix: /api, pool: api }
    - { host: cms.nines.test, pool: cms }
    - { host: cms.nines.test, pathPrefix: /v2, pool: cms }
`,
  deploymentSchema,
)

const ids = (targets: MonitorTarget[]) => targets.map((t) => t.endpoint.id)

describe('targets', () => {
  it('dnsTargets: every endpoint of the pools DNS names answer from, once', () => {
    expect(ids(dnsTargets(config))).toEqual(['app/a', 'app/127.0.0.11:8081'])
  })

  it('edgeTargets: every endpoint of the pools routes send to, once; unused pools are not probed', () => {
    expect(ids(edgeTargets(config))).toEqual([
      'app/a',
      'app/127.0.0.11:8081',
      'api/a',
      'api/127.0.0.12:8081',
      'cms/a',
      'cms/127.0.0.13:8081',
    ])
    expect(edgeTargets(config)[2]).toMatchObject({ pool: 'api', check: { kind: 'tcp' } })
  })

  it('a deployment without a section probes nothing for that daemon', () => {
    expect(dnsTargets({ ...config, dns: undefined })).toEqual([])
    expect(edgeTargets({ ...config, edge: undefined })).toEqual([])
  })
})
