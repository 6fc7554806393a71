// The daemon runtime as an operator meets it: signals during start-up, reloads it must refuse or can only
// partly apply, a state directory two instances point at, greedy admin clients, workers that cannot listen.
import { createSocket, type Socket } from 'node:dgram'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { deployment, fastTcpCheck, type Ports } from './deployment.js'
import { addresses, admin, freePort, spawnDns, startDns, waitFor, type RunningDns } from './harness.js'

const web = (port: number) => ({
  web: { check: fastTcpCheck, endpoints: [{ name: 'one', address: '127.0.0.1', port }] },
})
const zone = { names: { web: { pool: 'web' } } }

let listener: Server
let endpointPort: number
beforeAll(async () => {
  endpointPort = await freePort()
  listener = createServer((socket) => socket.destroy())
  await new Promise<void>((resolve) => listener.listen(endpointPort, '127.0.0.1', resolve))
})
afterAll(async () => {
  await new Promise((resolve) => listener.close(resolve))
})

const running: RunningDns[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((dns) => dns.stop()))
})

async function start(extra: (p: Ports) => object = () => ({})): Promise<{ dns: RunningDns; ports: Ports }> {
  let ports: Ports | undefined
  const dns = await startDns((p) => {
    ports = p
    return { ...deployment(p, web(endpointPort), zone), ...extra(p) }
  })
  running.push(dns)
  return { dns, ports: ports! }
}

/** A config file of its own in a fresh directory. */
async function configFile(config: object): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'nines-e2e-runtime-')), 'nines.yaml')
  await writeFile(file, JSON.stringify(config, null, 2))
  return file
}

describe('the daemon runtime', () => {
  it('takes a SIGHUP during the first probe round as a reload, not a reason to die', async () => {
    // An endpoint that accepts and never answers: the first round waits for the HTTP timeout.
    const hanging = createServer(() => undefined)
    const port = await freePort()
    await new Promise<void>((resolve) => hanging.listen(port, '127.0.0.1', resolve))
    const ports = {
      dns: await freePort(),
      admin: await freePort(),
      dir: await mkdtemp(join(tmpdir(), 'nines-e2e-')),
    }
    const pools = {
      web: {
        check: { kind: 'http', path: '/health', timeoutMs: 1500, intervalMs: 2000 },
        endpoints: [{ name: 'slow', address: '127.0.0.1', port }],
      },
    }
    const file = await configFile(deployment(ports, pools, zone))
    const daemon = spawnDns(file)
    try {
      await waitFor(() => daemon.logs.some((l) => l.msg === 'admin API listening'), 15_000)
      expect(daemon.logs.some((l) => l.msg === 'nines-dns ready')).toBe(false)
      daemon.child.kill('SIGHUP')
      await waitFor(() => daemon.logs.some((l) => l.msg === 'nines-dns ready'), 15_000)
      expect(daemon.child.exitCode).toBeNull()
      expect((await fetch(`http://127.0.0.1:${ports.admin}/readyz`)).status).toBe(200)
    } finally {
      daemon.child.kill('SIGTERM')
      await daemon.exited
      hanging.close()
    }
  })

  it('refuses a second instance on the same state directory, naming the one that holds it', async () => {
    const { ports } = await start()
    const other = { dns: await freePort(), admin: await freePort(), dir: ports.dir }
    const second = spawnDns(await configFile(deployment(other, web(endpointPort), zone)))
    expect(await second.exited).toBe(1)
    expect(second.stderr()).toContain(
      `state directory ${join(ports.dir, 'state')} is in use by instance "test"`,
    )
  })

  it('refuses a reload whose answers cannot be built, keeps serving, then applies a good one', async () => {
    const { dns, ports } = await start()
    const before = await addresses(dns.port, 'web.e2e.test')
    expect(before).toEqual(['127.0.0.1'])
    const huge = Array.from({ length: 300 }, (_, i) => ({
      name: 'big',
      type: 'TXT',
      data: `${'x'.repeat(250)}${i}`,
    }))
    await dns.writeConfig(deployment(ports, web(endpointPort), { ...zone, records: huge }))
    dns.signal('SIGHUP')
    await waitFor(() => dns.logs.some((l) => l.msg === 'configuration rejected; the running one stays'), 5000)
    const rejected = dns.logs.find((l) => l.msg === 'configuration rejected; the running one stays')
    expect(String(rejected?.error)).toMatch(
      /dns\.zones\["e2e\.test"\]\.records\[0\]: the TXT answer of big\.e2e\.test does not fit in a DNS message: 300 records/,
    )
    expect(await addresses(dns.port, 'web.e2e.test')).toEqual(before)
    expect(dns.logs.some((l) => l.msg === 'configuration applied')).toBe(false)

    const small = [{ name: 'big', type: 'TXT', data: 'fits' }]
    await dns.writeConfig(deployment(ports, web(endpointPort), { ...zone, records: small }))
    dns.signal('SIGHUP')
    await waitFor(async () => (await addresses(dns.port, 'big.e2e.test', 'TXT')).length === 1, 5000)
  })

  it('applies log.level and the query log on reload, and names each key that needs a restart', async () => {
    const { dns, ports } = await start()
    const next = deployment(ports, web(endpointPort), zone) as {
      log: object
      instances: { test: { dns: object } }
      health: object
    }
    next.log = { level: 'debug', queryLogSample: 1 }
    next.instances.test.dns = { ...next.instances.test.dns, tcp: { idleTimeoutMs: 3000 } }
    next.health = { firstRoundCapMs: 4000 }
    await dns.writeConfig(next)
    dns.signal('SIGHUP')
    await waitFor(() => dns.logs.some((l) => l.msg === 'configuration applied'), 5000)
    const restart = dns.logs
      .filter((l) => l.msg === 'changed; takes effect after a restart')
      .map((l) => l.key)
    expect(restart).toEqual(['instances.test.dns.tcp.idleTimeoutMs', 'health.firstRoundCapMs'])
    await addresses(dns.port, 'web.e2e.test')
    await waitFor(() => dns.logs.some((l) => l.msg === 'query'), 5000)
    // A transition rebuilds the answers, logged at debug only.
    await admin(dns, '/overrides/web/one', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'drain', reason: 'level test' }),
    })
    await waitFor(() => dns.logs.some((l) => l.msg === 'answers rebuilt' && l.level === 20), 5000)
  })

  it('limits admin bodies and validates manual failback priorities', async () => {
    const { dns } = await start()
    const big = await admin(dns, '/overrides/web/one', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'drain', reason: 'x'.repeat(1024 * 1024) }),
    })
    expect(big.status).toBe(413)
    for (const priority of [7, -1, 0.5, 'x']) {
      const res = await admin(dns, '/failback/web.e2e.test', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ priority }),
      })
      expect([priority, res.status]).toEqual([priority, 400])
    }
    const ok = await admin(dns, '/failback/web.e2e.test', { method: 'POST', body: '{"priority":0}' })
    expect(await ok.json()).toEqual({ name: 'web.e2e.test', priority: 0 })
  })

  it('backs off workers that cannot listen and gives up with the reason', async () => {
    const ports = {
      dns: await freePort(),
      admin: await freePort(),
      dir: await mkdtemp(join(tmpdir(), 'nines-e2e-')),
    }
    const taken: Socket = createSocket('udp4')
    await new Promise<void>((resolve) => taken.bind(ports.dns, '127.0.0.1', resolve))
    try {
      const daemon = spawnDns(await configFile(deployment(ports, web(endpointPort), zone)), [
        '--workers',
        '2',
      ])
      expect(await daemon.exited).toBe(1)
      expect(daemon.stderr()).toMatch(
        /workers cannot start \(5 attempts in a row\): .*address already in use/,
      )
      const retries = daemon.logs.filter((l) => l.msg === 'worker exited; starting another')
      expect(retries.map((l) => l.retryInMs)).toEqual([250, 500, 1000, 2000])
    } finally {
      taken.close()
    }
  })
})
