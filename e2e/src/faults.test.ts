import { Resolver } from 'node:dns/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deployment } from './deployment.js'
import {
  freePort,
  startDns,
  startEndpointProcess,
  waitFor,
  type EndpointProcess,
  type RunningDns,
} from './harness.js'

// Every fault a demo endpoint can stage takes it out of the answers and, once healed, brings it back
// within rise × interval plus one interval: probed over a kept-alive connection (pool `keep`) and over a
// fresh connection per probe (pool `fresh`), at the same time, through the built daemon.
const intervalMs = 250
const rise = 2
const check = {
  kind: 'http',
  path: '/health',
  intervalMs,
  fastIntervalMs: 125,
  timeoutMs: 200,
  rise,
  fall: 2,
}
const names = ['keep.e2e.test', 'fresh.e2e.test']

const endpoints: [name: string, stack: string, address: string][] = [
  ['a', 'node-http', '127.0.3.11'],
  ['b', 'hono', '127.0.3.12'],
  ['c', 'raw', '127.0.3.13'],
]

type Heal = () => Promise<void>

describe('faults of a demo endpoint heal in the DNS answers, with both connection modes', () => {
  let port: number
  let dns: RunningDns
  const running = new Map<string, EndpointProcess>()
  const resolver = new Resolver({ timeout: 1000, tries: 2 })

  const start = async (name: string): Promise<void> => {
    const [, stack, address] = endpoints.find(([n]) => n === name)!
    running.set(name, await startEndpointProcess({ stack, name, address, port }))
  }
  const control = async (name: string, query: string): Promise<void> => {
    const response = await fetch(`${running.get(name)!.url}/__nines/${query}`, {
      method: 'POST',
      signal: AbortSignal.timeout(2000),
    })
    expect(response.status).toBeLessThan(300)
  }
  /** Whether `address` is in the answer of every name (`true`) or of none (`false`); undefined if mixed. */
  const answered = async (address: string): Promise<boolean | undefined> => {
    const seen = await Promise.all(names.map(async (n) => (await resolver.resolve4(n)).includes(address)))
    return seen.every(Boolean) ? true : seen.some(Boolean) ? undefined : false
  }

  // Each fault staged on one endpoint (the stacks take turns); the function it returns heals it.
  const faults: [fault: string, endpoint: string, stage: () => Promise<Heal>][] = [
    [
      'crash (then restart)',
      'a',
      async () => {
        const crashed = running.get('a')!
        await control('a', 'crash')
        await crashed.exited
        return () => start('a')
      },
    ],
    [
      'hang',
      'b',
      async () => {
        await control('b', 'mode?set=hang')
        return () => control('b', 'mode?set=ok')
      },
    ],
    [
      '503',
      'c',
      async () => {
        await control('c', 'mode?set=fail')
        return () => control('c', 'mode?set=ok')
      },
    ],
    [
      'slow past the timeout',
      'a',
      async () => {
        await control('a', 'mode?set=slow&delayMs=1500')
        return () => control('a', 'mode?set=ok')
      },
    ],
    [
      'SIGSTOP (then SIGCONT)',
      'b',
      async () => {
        running.get('b')!.signal('SIGSTOP')
        return async () => running.get('b')!.signal('SIGCONT')
      },
    ],
    [
      'hang on the raw stack',
      'c',
      async () => {
        await control('c', 'mode?set=hang')
        return () => control('c', 'mode?set=ok')
      },
    ],
  ]

  beforeAll(async () => {
    port = await freePort('127.0.3.11')
    for (const [name] of endpoints) await start(name)
    const members = endpoints.map(([name, stack, address]) => ({ name, address, port, labels: { stack } }))
    dns = await startDns((ports) =>
      deployment(
        ports,
        {
          keep: { check: { ...check, reuseConnection: true }, endpoints: members },
          fresh: { check: { ...check, reuseConnection: false }, endpoints: members },
        },
        { names: { keep: { pool: 'keep' }, fresh: { pool: 'fresh' } } },
      ),
    )
    resolver.setServers([`127.0.0.1:${dns.port}`])
    await waitFor(
      async () => (await Promise.all(endpoints.map(([, , a]) => answered(a)))).every(Boolean),
      10_000,
    )
  })
  afterAll(async () => {
    await dns?.stop()
    await Promise.all([...running.values()].map((endpoint) => endpoint.stop()))
  })

  it.each(faults)('%s takes the endpoint out and healing brings it back', async (_fault, name, stage) => {
    const address = endpoints.find(([n]) => n === name)![2]
    const heal = await stage()
    await waitFor(async () => (await answered(address)) === false, 10_000, 50)
    // The others stay in: the fault is this endpoint's alone.
    for (const [other, , otherAddress] of endpoints)
      if (other !== name) expect(await answered(otherAddress)).toBe(true)

    await heal()
    const healedAt = Date.now()
    await waitFor(async () => (await answered(address)) === true, 10_000, 50)
    // rise × interval + one interval = 750 ms; the bound leaves room for a loaded machine.
    expect(Date.now() - healedAt).toBeLessThan(rise * intervalMs + intervalMs + 4_000)
  })
})
