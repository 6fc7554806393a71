// The TTL follows health through the real daemon: short while an endpoint is down, still short while it has
// just come back (recovering), kept short across a restart in that window, and back to normal after it.
import { createServer, type Server } from 'node:net'
import { afterAll, describe, expect, it } from 'vitest'
import { deployment, fastTcpCheck } from './deployment.js'
import { dig, freePort, spawnDns, startDns, waitFor, type RunningDns, type SpawnedDns } from './harness.js'

describe('TTLs that follow health', () => {
  let listener: Server | undefined
  let dns: RunningDns | undefined
  let restarted: SpawnedDns | undefined
  afterAll(async () => {
    await dns?.stop()
    restarted?.child.kill('SIGTERM')
    await restarted?.exited
    listener?.close()
  })

  const listen = async (port: number) => {
    listener = createServer((socket) => socket.destroy())
    await new Promise<void>((resolve) => listener!.listen(port, '127.0.6.1', resolve))
  }
  const ttls = async (port: number) => (await dig(port, 'web.e2e.test')).answers.map((a) => a.ttl)

  it('keeps the degraded TTL while recovering, across a restart, then returns to normal', async () => {
    const port = await freePort('127.0.6.1')
    await listen(port)
    const recoveringSec = 8
    dns = await startDns((p) =>
      deployment(
        p,
        { web: { check: fastTcpCheck, endpoints: [{ name: 'one', address: '127.0.6.1', port }] } },
        {
          names: { web: { pool: 'web', policy: { ttl: { normalSec: 30, degradedSec: 5, recoveringSec } } } },
        },
      ),
    )
    expect(await ttls(dns.port)).toEqual([30]) // a first verdict is not a recovery

    await new Promise((resolve) => listener!.close(resolve))
    await waitFor(async () => (await ttls(dns!.port))[0] === 5, 5000) // all down: failed open, short TTL
    await listen(port)
    // Up again, and recovering: still short.
    await waitFor(
      async () =>
        dns!.logs.some((l) => l.msg === 'name state changed' && l.to === 'healthy' && l.from !== null),
      5000,
    )
    expect(await ttls(dns.port)).toEqual([5])

    // Restart inside the window: the state file brings the recovery back with the verdict.
    const { configFile, port: dnsPort } = dns
    expect(await dns.stop()).toBe(0)
    dns = undefined
    restarted = spawnDns(configFile)
    await waitFor(() => restarted!.logs.some((l) => l.msg === 'nines-dns ready'), 15_000)
    expect(await ttls(dnsPort)).toEqual([5])

    // The window ends by itself (the daemon rebuilds then): normal TTL without any health change.
    await waitFor(async () => (await ttls(dnsPort))[0] === 30, (recoveringSec + 5) * 1000, 250)
  })
})
