// Operators see why: /explain and `nines-dns explain` read the table the server answers from; names log
// their state changes and export them as a gauge; a drain shortens the TTL at once.
import { execFile } from 'node:child_process'
import { createServer, type Server } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deployment, fastTcpCheck } from './deployment.js'
import { admin, dig, freePort, startDns, waitFor, type RunningDns } from './harness.js'

const daemonMain = fileURLToPath(new URL('../../apps/dns-server/dist/main.js', import.meta.url))
const run = promisify(execFile)

interface Explanation {
  answers: { name: string; type: string; ttl: number; data: string }[]
  client?: { address: string; locality?: string }
  dynamic?: { state: string; ttlRule: string }
  steps: { step: string; detail: string }[]
}

describe('explain', () => {
  const listeners: Server[] = []
  let dns: RunningDns
  beforeAll(async () => {
    const port = await freePort('127.0.7.1')
    for (const address of ['127.0.7.1', '127.0.7.2']) {
      const server = createServer((socket) => socket.destroy())
      await new Promise<void>((resolve) => server.listen(port, address, resolve))
      listeners.push(server)
    }
    const endpoint = (name: string, address: string, zone: string) => ({
      name,
      address,
      port,
      labels: { region: 'eu', zone },
    })
    dns = await startDns((p) => ({
      ...deployment(
        p,
        {
          web: {
            check: fastTcpCheck,
            endpoints: [endpoint('one', '127.0.7.1', 'eu-1'), endpoint('two', '127.0.7.2', 'eu-2')],
          },
        },
        { names: { web: { pool: 'web' } } },
      ),
      dns: {
        zones: {
          'e2e.test': {
            ns: [{ name: 'ns1.e2e.test', addresses: ['127.0.0.1'] }],
            names: { web: { pool: 'web' } },
          },
        },
        localities: [{ cidr: '10.1.0.0/16', region: 'eu', zone: 'eu-1' }],
      },
    }))
  })
  afterAll(async () => {
    await dns?.stop()
    for (const server of listeners) server.close()
  })

  const explain = async (query: string) => {
    const res = await admin(dns, `/explain?${query}`)
    return { status: res.status, body: (await res.json()) as Explanation & { error?: { message: string } } }
  }

  it('says what a client gets and why, from the served table, and /status links to it', async () => {
    const near = await explain('name=web.e2e.test&type=A&client=10.1.2.3')
    expect(near.status).toBe(200)
    expect(near.body.client).toMatchObject({ address: '10.1.2.3', locality: 'eu/eu-1' })
    expect(near.body.answers.map((a) => a.data)).toEqual(['127.0.7.1'])
    expect(near.body.dynamic).toMatchObject({ state: 'healthy', ttlRule: 'normal' })
    expect(near.body.steps.map((s) => s.step)).toEqual(
      expect.arrayContaining(['zone', 'policy', 'locality', 'ttl']),
    )
    // What dig gets from the server for that client (as ECS) is what explain said.
    const served = await dig(dns.port, 'web.e2e.test', 'A', '+subnet=10.1.2.0/24')
    expect(served.answers.map((a) => [a.data, a.ttl])).toEqual(near.body.answers.map((a) => [a.data, a.ttl]))

    const status = (await (await admin(dns, '/status')).json()) as {
      names: { name: string; explain: string }[]
    }
    const link = status.names.find((n) => n.name === 'web.e2e.test')!.explain
    expect((await admin(dns, link)).status).toBe(200)
  })

  it('answers 400 with the field for a question it cannot read', async () => {
    const bad = await explain('name=web.e2e.test&type=BOGUS')
    expect(bad.status).toBe(400)
    expect(bad.body.error?.message).toMatch(/^type: unknown record type "BOGUS"/)
    expect((await explain('name=web.e2e.test&client=not-an-ip')).status).toBe(400)
  })

  it('a drain shortens the TTL at once, logs the name state, shows in the gauge, and heals', async () => {
    const drain = await admin(dns, '/overrides/web/two', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'drain', reason: 'explain test' }),
    })
    expect(drain.status).toBe(200)
    await waitFor(async () => (await explain('name=web.e2e.test')).body.dynamic?.ttlRule === 'draining', 5000)
    const drained = await explain('name=web.e2e.test')
    expect(drained.body.answers.map((a) => [a.data, a.ttl])).toEqual([['127.0.7.1', 5]])
    expect(drained.body.steps.find((s) => s.step === 'drain')?.detail).toMatch(/drain/)
    expect((await dig(dns.port, 'web.e2e.test')).answers.map((a) => a.ttl)).toEqual([5])

    // Take both out: the name goes all-down, fails open, says so once, and the gauge follows.
    await admin(dns, '/overrides/web/one', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'down', reason: 'explain test' }),
    })
    await waitFor(
      () => dns.logs.some((l) => l.msg === 'name failed open: answering every endpoint, none is up'),
      5000,
    )
    const metrics = await (await admin(dns, '/metrics')).text()
    expect(metrics).toMatch(/nines_dns_name_state\{name="web\.e2e\.test",state="all-down"[^}]*\} 1/)
    expect(metrics).toMatch(/nines_dns_endpoint_state\{pool="web",endpoint="two",state="drain"[^}]*\} 1/)

    for (const endpoint of ['one', 'two'])
      expect((await admin(dns, `/overrides/web/${endpoint}`, { method: 'DELETE' })).status).toBe(200)
    await waitFor(async () => (await explain('name=web.e2e.test')).body.dynamic?.state === 'healthy', 5000)
    const back = dns.logs.filter((l) => l.msg === 'name state changed' && l.dnsName === 'web.e2e.test')
    expect(back.at(-1)).toMatchObject({ to: 'healthy' })
  })

  it('nines-dns explain asks the running instance and prints the same answer', async () => {
    const { stdout } = await run(process.execPath, [
      daemonMain,
      'explain',
      'web.e2e.test',
      'A',
      '--config',
      dns.configFile,
      '--instance',
      'test',
      '--client',
      '10.1.2.3',
    ])
    const printed = JSON.parse(stdout) as Explanation
    expect(printed.answers).toEqual((await explain('name=web.e2e.test&type=A&client=10.1.2.3')).body.answers)
    const failed = await run(process.execPath, [
      daemonMain,
      'explain',
      'web.e2e.test',
      'NOPE',
      '--config',
      dns.configFile,
      '--instance',
      'test',
    ]).catch((error: { code: number; stderr: string }) => error)
    expect(failed).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('nines-dns: type: unknown record type "NOPE"'),
    })
  })
})
