import { startDemoEndpoint, type DemoEndpoint } from '@nines/demo-stacks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deployment, fastHttpCheck, fastTcpCheck } from './deployment.js'
import { addresses, dig, freePort, startDns, waitFor, type RunningDns } from './harness.js'

describe('all-down policies and priority failover', () => {
  let dns: RunningDns
  let port: number
  let primary: DemoEndpoint | undefined
  let standby: DemoEndpoint

  beforeAll(async () => {
    port = await freePort('127.0.3.1')
    const dead = await freePort('127.0.3.9') // nothing listens there: every check fails
    primary = await startDemoEndpoint({
      stack: 'node-http',
      name: 'p',
      address: '127.0.3.1',
      port,
      onCrash: () => undefined,
    })
    standby = await startDemoEndpoint({
      stack: 'hono',
      name: 's',
      address: '127.0.3.2',
      port,
      onCrash: () => undefined,
    })
    const down = (name: string) => ({
      check: fastTcpCheck,
      endpoints: [{ name, address: '127.0.3.9', port: dead }],
    })
    dns = await startDns((ports) =>
      deployment(
        ports,
        {
          dead1: down('x'),
          dead2: down('y'),
          dead3: down('z'),
          dead4: down('w'),
          tiered: {
            check: fastHttpCheck,
            endpoints: [
              { name: 'primary', address: '127.0.3.1', port, priority: 0 },
              { name: 'standby', address: '127.0.3.2', port, priority: 1 },
            ],
          },
        },
        {
          names: {
            open: { pool: 'dead1', policy: { allDown: 'fail-open' } },
            backup: { pool: 'dead2', policy: { allDown: 'backup' }, backup: ['192.0.2.80'] },
            empty: { pool: 'dead3', policy: { allDown: 'nodata' } },
            broken: { pool: 'dead4', policy: { allDown: 'servfail' } },
            tiered: { pool: 'tiered', policy: { priority: { failback: 'auto', holdMs: 1500 } } },
          },
        },
      ),
    )
  })
  afterAll(async () => {
    await dns?.stop()
    await Promise.all([primary?.close(), standby.close()])
  })

  it('answers each all-down policy as configured', async () => {
    expect(await addresses(dns.port, 'open.e2e.test')).toEqual(['127.0.3.9'])
    expect(await addresses(dns.port, 'backup.e2e.test')).toEqual(['192.0.2.80'])
    const nodata = await dig(dns.port, 'empty.e2e.test')
    expect(nodata.status).toBe('NOERROR')
    expect(nodata.answers).toEqual([])
    expect(nodata.authority[0]?.type).toBe('SOA')
    expect((await dig(dns.port, 'broken.e2e.test')).status).toBe('SERVFAIL')
    const metrics = await (await fetch(`${dns.adminUrl}/metrics`)).text()
    expect(metrics).toMatch(/nines_dns_fail_open_total\{[^}]*name="open\.e2e\.test"[^}]*\} [1-9]/)
  })

  it('fails over to the standby at once and fails back after the hold time', async () => {
    expect(await addresses(dns.port, 'tiered.e2e.test')).toEqual(['127.0.3.1'])
    await primary!.close()
    primary = undefined
    await waitFor(async () => (await addresses(dns.port, 'tiered.e2e.test'))[0] === '127.0.3.2', 10_000)
    primary = await startDemoEndpoint({
      stack: 'node-http',
      name: 'p',
      address: '127.0.3.1',
      port,
      onCrash: () => undefined,
    })
    // Up again after rise, but traffic stays on the standby until the primary has held for 1.5 s.
    await waitFor(async () => {
      const status = (await (await fetch(`${dns.adminUrl}/status`)).json()) as {
        names: { name: string; endpoints: { id: string; effective: string }[] }[]
      }
      return (
        status.names.find((n) => n.name === 'tiered.e2e.test')?.endpoints.find((e) => e.id === 'primary')
          ?.effective === 'up'
      )
    }, 10_000)
    expect(await addresses(dns.port, 'tiered.e2e.test')).toEqual(['127.0.3.2'])
    await waitFor(async () => (await addresses(dns.port, 'tiered.e2e.test'))[0] === '127.0.3.1', 10_000)
  })
})
