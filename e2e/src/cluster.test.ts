import { startDemoEndpoint, type DemoEndpoint } from '@nines/demo-stacks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deployment, fastHttpCheck } from './deployment.js'
import { addresses, admin, dig, freePort, startDns, waitFor, type RunningDns } from './harness.js'

describe('--workers 2: the primary probes, workers serve from its snapshots', () => {
  let dns: RunningDns
  const endpoints: DemoEndpoint[] = []

  beforeAll(async () => {
    const port = await freePort('127.0.5.1')
    for (const address of ['127.0.5.1', '127.0.5.2']) {
      endpoints.push(
        await startDemoEndpoint({
          stack: 'node-http',
          name: address,
          address,
          port,
          onCrash: () => undefined,
        }),
      )
    }
    dns = await startDns(
      (ports) =>
        deployment(
          ports,
          {
            web: {
              check: fastHttpCheck,
              endpoints: [
                { name: 'one', address: '127.0.5.1', port },
                { name: 'two', address: '127.0.5.2', port },
              ],
            },
          },
          { names: { web: { pool: 'web' } } },
        ),
      ['--workers', '2'],
    )
    await waitFor(() => dns.logs.filter((l) => l.msg === 'worker serving').length === 2, 10_000)
  })
  afterAll(async () => {
    await dns?.stop()
    await Promise.all(endpoints.map((e) => e.close()))
  })

  it('answers over UDP and TCP and follows health changes in every worker', async () => {
    expect(await addresses(dns.port, 'web.e2e.test')).toEqual(['127.0.5.1', '127.0.5.2'])
    expect((await dig(dns.port, 'web.e2e.test', '+tcp')).answers).toHaveLength(2)
    await endpoints[1]!.close()
    // Several queries, so both workers are asked: none may still answer the stopped endpoint.
    await waitFor(async () => {
      const seen = await Promise.all(Array.from({ length: 6 }, () => addresses(dns.port, 'web.e2e.test')))
      return seen.every((answer) => answer.join() === '127.0.5.1')
    }, 10_000)
    // One prober only: probes come from the primary, not once per worker.
    expect(new Set(dns.logs.filter((l) => l.msg === 'endpoint state changed').map((l) => l.pid)).size).toBe(1)
    await waitFor(
      async () =>
        /nines_dns_queries_total\{qtype="A"[^}]*\} ([89]|\d\d)/.test(
          await (await admin(dns, '/metrics')).text(),
        ),
      5000,
    )
  })
})
