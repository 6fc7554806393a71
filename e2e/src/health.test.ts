import { Resolver } from 'node:dns/promises'
import { startDemoEndpoint, type DemoEndpoint, type StackName } from '@nines/demo-stacks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deployment, fastHttpCheck } from './deployment.js'
import { addresses, dig, freePort, startDns, waitFor, type RunningDns } from './harness.js'

// Three endpoints on three stacks, as in the seed: stop one and the answers route around it.
const stacks: [string, StackName, string][] = [
  ['a', 'node-http', '127.0.2.11'],
  ['b', 'hono', '127.0.2.12'],
  ['c', 'raw', '127.0.2.13'],
]

describe('an endpoint that fails disappears from answers and comes back', () => {
  let port: number
  const endpoints = new Map<string, DemoEndpoint>()
  let dns: RunningDns

  const start = async (name: string) => {
    const [, stack, address] = stacks.find(([n]) => n === name)!
    endpoints.set(name, await startDemoEndpoint({ stack, name, address, port, onCrash: () => undefined }))
  }

  beforeAll(async () => {
    port = await freePort('127.0.2.11')
    for (const [name] of stacks) await start(name)
    dns = await startDns((ports) =>
      deployment(
        ports,
        {
          app: {
            check: fastHttpCheck,
            endpoints: stacks.map(([name, stack, address]) => ({ name, address, port, labels: { stack } })),
          },
        },
        { names: { app: { pool: 'app', policy: { ttl: { normalSec: 30, degradedSec: 5 } } } } },
      ),
    )
  })
  afterAll(async () => {
    await dns?.stop()
    await Promise.all([...endpoints.values()].map((e) => e.close()))
  })

  it('answers every healthy endpoint, with dig and with Node’s resolver', async () => {
    expect(await addresses(dns.port, 'app.e2e.test')).toEqual(['127.0.2.11', '127.0.2.12', '127.0.2.13'])
    const resolver = new Resolver({ timeout: 2000, tries: 1 })
    resolver.setServers([`127.0.0.1:${dns.port}`])
    expect((await resolver.resolve4('app.e2e.test')).sort()).toEqual([
      '127.0.2.11',
      '127.0.2.12',
      '127.0.2.13',
    ])
    const srv = await resolver.resolveSrv('app.e2e.test')
    expect(srv.map((r) => r.port)).toEqual([port, port, port])
    const answer = await dig(dns.port, 'app.e2e.test')
    expect(answer.flags).toContain('aa')
    expect(answer.answers[0]?.ttl).toBe(30)
  })

  it('drops a stopped endpoint within interval × fall + one interval, and restores it after rise', async () => {
    await endpoints.get('b')!.close()
    const stoppedAt = Date.now()
    await waitFor(async () => !(await addresses(dns.port, 'app.e2e.test')).includes('127.0.2.12'), 10_000)
    const goneAfterMs = Date.now() - stoppedAt
    // interval 300 ms × fall 3 + one interval = 1.2 s; the bound allows for a loaded CI machine.
    expect(goneAfterMs).toBeLessThan(1200 + 3000)
    const degraded = await dig(dns.port, 'app.e2e.test')
    expect(degraded.answers.map((a) => a.data).sort()).toEqual(['127.0.2.11', '127.0.2.13'])
    expect(degraded.answers[0]?.ttl).toBe(5) // short TTL while degraded

    await start('b')
    await waitFor(async () => (await addresses(dns.port, 'app.e2e.test')).includes('127.0.2.12'), 10_000)
    const transitions = dns.logs.filter((l) => l.msg === 'endpoint state changed' && l.endpoint === 'app/b')
    expect(transitions.map((l) => l.to)).toEqual(['up', 'down', 'up'])
  })

  it('drops an endpoint that answers 503 or hangs', async () => {
    await fetch(`${endpoints.get('c')!.url}/__nines/mode?set=fail`, { method: 'POST' })
    await waitFor(async () => !(await addresses(dns.port, 'app.e2e.test')).includes('127.0.2.13'), 10_000)
    await fetch(`${endpoints.get('c')!.url}/__nines/mode?set=ok`, { method: 'POST' })
    await waitFor(async () => (await addresses(dns.port, 'app.e2e.test')).includes('127.0.2.13'), 10_000)
    await fetch(`${endpoints.get('a')!.url}/__nines/mode?set=hang`, { method: 'POST' })
    await waitFor(async () => !(await addresses(dns.port, 'app.e2e.test')).includes('127.0.2.11'), 10_000)
    await fetch(`${endpoints.get('a')!.url}/__nines/mode?set=ok`, { method: 'POST' })
  })
})
