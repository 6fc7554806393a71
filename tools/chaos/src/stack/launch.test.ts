// The whole stack on ports of its own: one request through a router as a native client sends it, then
// stop leaves no process behind.
import { createNodeResolver } from '@nines/client/node'
import { Agent, request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTraffic } from '../traffic/index.js'
import { launchStack, type WholeStack } from './index.js'

describe('launchStack', () => {
  let stack: WholeStack | undefined

  beforeAll(async () => {
    stack = await launchStack()
  }, 60_000)

  afterAll(async () => {
    await stack?.stop()
  }, 20_000)

  it('moves every port of the file and serves the app through a router found by DNS', async () => {
    const s = stack!
    expect(s.processes.map((p) => p.name).sort()).toEqual(
      ['a1', 'a2', 'b1', 'b2', 'c1', 'c2', 'cms', 'edge1', 'edge2', 'ns1', 'ns2'].sort(),
    )
    expect(s.edgePort).not.toBe(8080)
    expect(s.process('edge1').port).toBe(s.process('edge2').port)
    expect(s.nameservers).toHaveLength(2)
    const resolver = createNodeResolver({ nameservers: s.nameservers })
    const agent = new Agent({ connect: resolver.connectOptions })
    try {
      const response = await request(`http://${s.host}:${s.edgePort}/api/balance?account=alice`, {
        dispatcher: agent,
        signal: AbortSignal.timeout(5000),
      })
      const body = (await response.body.json()) as { account: string }
      expect(response.statusCode).toBe(200)
      expect(body.account).toBe('alice')
      expect(response.headers.via).toBe('1.1 edge1') // a client on 127.0.0.1 is in z1: edge1 first
    } finally {
      await agent.close()
      resolver.close()
    }
  })

  it('carries steady client traffic of every class', async () => {
    const s = stack!
    const traffic = startTraffic({ nameservers: s.nameservers, port: s.edgePort, ratePerSec: 20 })
    await new Promise((resolve) => setTimeout(resolve, 1500))
    await traffic.stop()
    const summary = traffic.summary()
    expect(summary.failures).toEqual([])
    expect(summary.requests).toBeGreaterThan(10)
    expect(new Set(traffic.outcomes.map((o) => o.name)).size).toBeGreaterThan(3)
    for (const o of traffic.outcomes) expect(o.edge).toBe('edge1')
  }, 15_000)

  it('stops every process', async () => {
    const s = stack!
    const pids = s.processes.map((p) => p.pid!)
    await s.stop()
    expect(s.processes.filter((p) => p.running)).toEqual([])
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow()
  }, 20_000)
})
