import { startDemoEndpoint, type DemoEndpoint } from '@nines/demo-stacks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deployment, fastHttpCheck, type Ports } from './deployment.js'
import { addresses, admin, freePort, startDns, waitFor, type RunningDns } from './harness.js'

describe('operations', () => {
  let dns: RunningDns
  let ports: Ports
  let port: number
  const endpoints: DemoEndpoint[] = []
  const config = (p: Ports, extra: object = {}) =>
    deployment(
      p,
      {
        web: {
          check: fastHttpCheck,
          endpoints: [
            { name: 'one', address: '127.0.4.1', port },
            { name: 'two', address: '127.0.4.2', port },
          ],
        },
      },
      { names: { web: { pool: 'web' } }, ...extra },
    )

  beforeAll(async () => {
    port = await freePort('127.0.4.1')
    for (const [name, address] of [
      ['one', '127.0.4.1'],
      ['two', '127.0.4.2'],
    ] as const) {
      endpoints.push(
        await startDemoEndpoint({ stack: 'node-http', name, address, port, onCrash: () => undefined }),
      )
    }
    dns = await startDns((p) => {
      ports = p
      return config(p)
    })
  })
  afterAll(async () => {
    await dns?.stop()
    await Promise.all(endpoints.map((e) => e.close()))
  })

  it('is ready only after the first probe round, and says what it believes in /status', async () => {
    expect((await admin(dns, '/readyz')).status).toBe(200)
    expect((await admin(dns, '/healthz')).status).toBe(200)
    const status = (await (await admin(dns, '/status')).json()) as {
      names: {
        name: string
        answer: string[]
        reason: string
        endpoints: { id: string; observed: string; lastProbe: { detail: string } }[]
      }[]
    }
    const web = status.names.find((n) => n.name === 'web.e2e.test')!
    expect(web.answer.sort()).toEqual(['127.0.4.1', '127.0.4.2'])
    expect(web.endpoints.map((e) => [e.id, e.observed, e.lastProbe.detail])).toEqual([
      ['one', 'up', 'status 200'],
      ['two', 'up', 'status 200'],
    ])
  })

  it('drains an endpoint through the override API and puts it back', async () => {
    const put = await admin(dns, '/overrides/web/two', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'drain', reason: 'kernel upgrade' }),
    })
    expect(put.status).toBe(200)
    expect(await put.json()).toMatchObject({
      observed: 'up',
      effective: 'drain',
      override: { planned: true },
    })
    await waitFor(async () => (await addresses(dns.port, 'web.e2e.test')).join() === '127.0.4.1', 5000)
    expect((await admin(dns, '/overrides/web/nope', { method: 'DELETE' })).status).toBe(404)
    const bad = await admin(dns, '/overrides/web/two', { method: 'PUT', body: '{"state":"sideways"}' })
    expect(bad.status).toBe(400)
    expect((await admin(dns, '/overrides/web/two', { method: 'DELETE' })).status).toBe(200)
    await waitFor(async () => (await addresses(dns.port, 'web.e2e.test')).length === 2, 5000)
  })

  it('keeps the old answers when a reload is invalid, and applies a valid one', async () => {
    const before = await addresses(dns.port, 'web.e2e.test')
    await dns.writeConfig(
      'pools:\n  web: { check: { kind: http }, endpoints: [{ address: 127.0.4.1, port: 70000 }] }\n',
    )
    dns.signal('SIGHUP')
    await waitFor(() => dns.logs.some((l) => typeof l.error === 'string' && l.error.includes('port')), 5000)
    expect(await addresses(dns.port, 'web.e2e.test')).toEqual(before)
    const rejected = dns.logs.find((l) => typeof l.error === 'string' && l.error.includes('port'))
    expect(String(rejected?.error)).toMatch(
      /pools\.web\.endpoints\[0\]\.port: expected 1\.\.65535, got 70000/,
    )

    await dns.writeConfig(config(ports, { records: [{ name: 'added', type: 'A', data: '192.0.2.7' }] }))
    await waitFor(async () => (await addresses(dns.port, 'added.e2e.test')).length === 1, 5000)
    expect(await addresses(dns.port, 'web.e2e.test')).toEqual(before) // endpoints kept their state
  })

  it('exports Prometheus metrics and stops cleanly on SIGTERM', async () => {
    const metrics = await (await admin(dns, '/metrics')).text()
    expect(metrics).toMatch(/nines_dns_queries_total\{[^}]*\} [1-9]/)
    expect(metrics).toMatch(/nines_dns_probes_total\{[^}]*pool="web"[^}]*\} [1-9]/)
    expect(metrics).toMatch(/nines_dns_answer_duration_seconds_bucket/)
    expect(await dns.stop()).toBe(0)
  })
})
