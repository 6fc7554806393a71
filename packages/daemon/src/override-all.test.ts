import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { systemClock } from '@nines/core'
import { AvailabilityLedger, Monitor, poolSchema } from '@nines/health'
import { adminSchema, createAdminApp, createMetrics, logSchema, serveAdmin, silentLogger } from '@nines/ops'
import type { AdminServer } from '@nines/ops'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { parseDuration } from './duration.js'
import { addHealthRoutes } from './health-admin.js'
import { overrideCommand, type OverrideCommandOptions } from './override-command.js'
import { healthOptionsSchema } from './schema.js'

// The deployment file as far as the override command reads it: instances with their admin address.
const schema = z.strictObject({
  instances: z.record(z.string(), z.strictObject({ admin: adminSchema, stateDir: z.string() })),
  log: logSchema.prefault({}),
  pools: z.record(z.string(), poolSchema).default({}),
  health: healthOptionsSchema,
})

const token = 'edge-admin-token-0123456789'
let dir: string
let file: string
let edgePort: number
const monitors = new Map<string, Monitor>()
const closers: (() => Promise<unknown>)[] = []

/** A real admin API on a port of its own, monitoring `endpoints` (`pool/id`). */
async function instance(name: string, endpoints: string[], withToken = false): Promise<AdminServer> {
  const monitor = new Monitor({ observer: name, stateFile: join(dir, `${name}.json`) })
  monitor.set(
    endpoints.map((id) => ({
      endpoint: { id, address: '127.0.0.1', port: 9 },
      pool: id.split('/')[0]!,
      check: { kind: 'custom' as const },
      probe: async () => ({ ok: true, latencyMs: 1, detail: 'ok' }),
    })),
  )
  const ledger = await AvailabilityLedger.open({
    directory: join(dir, `${name}-ledger`),
    clock: systemClock(),
  })
  const app = createAdminApp({
    metrics: createMetrics({ prefix: 'nines_test_', processMetrics: false }),
    ready: () => true,
    ...(withToken ? { token } : {}),
  })
  addHealthRoutes(app, { monitor, ledger, logger: silentLogger() })
  const server = await serveAdmin(app, { address: '127.0.0.1', port: 0 })
  monitors.set(name, monitor)
  closers.push(
    () => server.close(),
    () => monitor.stop(),
    () => ledger.close(),
  )
  return server
}

/** A port nobody listens on: bound by the system, then released. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nines-override-'))
  const ns1 = await instance('ns1', ['app/a', 'app/b', 'app/127.0.0.13:8080'])
  const ns2 = await instance('ns2', ['cms/one'])
  const edge1 = await instance('edge1', ['app/a', 'app/b', 'app/127.0.0.13:8080', 'api/x'], true)
  edgePort = edge1.port
  const instances = {
    ns1: { admin: { address: '127.0.0.1', port: ns1.port }, stateDir: 'var/ns1' },
    ns2: { admin: { address: '127.0.0.1', port: ns2.port }, stateDir: 'var/ns2' },
    edge1: { admin: { address: '127.0.0.1', port: edge1.port, token }, stateDir: 'var/edge1' },
    edge2: { admin: { address: '127.0.0.1', port: await closedPort() }, stateDir: 'var/edge2' },
  }
  file = join(dir, 'nines.yaml')
  await writeFile(file, JSON.stringify({ instances }))
})

afterAll(async () => {
  for (const close of closers.reverse()) await close()
  await rm(dir, { recursive: true, force: true })
})

const run = (args: string[], options: Partial<OverrideCommandOptions> = {}) =>
  overrideCommand('nines-dns', schema, args, {
    config: file,
    instances: [],
    reason: undefined,
    ttl: undefined,
    ...options,
  })

const override = (instance: string, id: string) => monitors.get(instance)?.get(id)?.override

describe('override on every instance', () => {
  it('drains an endpoint everywhere it is monitored, reports the rest, and fails for the one down', async () => {
    const result = await run(['app/b', 'drain'], { reason: 'kernel upgrade', ttl: '2h' })
    expect(result.stdout).toEqual([
      'ns1    ok: effective drain',
      'ns2    not monitored there (404): no endpoint "b" in pool "app"',
      'edge1  ok: effective drain',
      expect.stringMatching(
        /^edge2 {2}unreachable: http:\/\/127\.0\.0\.1:\d+\/overrides\/app\/b: .*ECONNREFUSED/,
      ),
    ])
    expect(result.code).toBe(1)
    expect(result.stderr).toEqual(['app/b drain: not done on every instance that serves it'])
    for (const name of ['ns1', 'edge1']) {
      const forced = override(name, 'app/b')
      expect(forced).toMatchObject({ state: 'drain', reason: 'kernel upgrade', planned: true })
      expect(forced?.expiresAt).toBeGreaterThan(Date.now() + 7_100_000)
    }
  })

  it('succeeds on the named instances, and clears', async () => {
    const ok = await run(['app/127.0.0.13:8080', 'down'], { instances: ['ns1,edge1', 'ns2'] })
    expect(ok.code).toBe(0)
    expect(ok.stdout).toEqual([
      'ns1    ok: effective down',
      'ns2    not monitored there (404): no endpoint "127.0.0.13:8080" in pool "app"',
      'edge1  ok: effective down',
    ])
    expect(override('edge1', 'app/127.0.0.13:8080')?.reason).toMatch(/^nines-dns override by /)
    const cleared = await run(['app/127.0.0.13:8080', 'clear'], { instances: ['ns1', 'edge1'] })
    expect([cleared.code, cleared.stdout]).toEqual([
      0,
      ['ns1    ok: effective unknown', 'edge1  ok: effective unknown'], // never probed here,
    ])
    expect(override('ns1', 'app/127.0.0.13:8080')).toBeUndefined()
    expect(override('edge1', 'app/127.0.0.13:8080')).toBeUndefined()
  })

  it('fails when no instance knows the endpoint (a typo must not look like success)', async () => {
    const result = await run(['app/bb', 'drain'], { instances: ['ns1', 'ns2', 'edge1'] })
    expect(result.code).toBe(1)
    expect(result.stdout.every((line) => line.includes('not monitored there (404)'))).toBe(true)
    expect(result.stderr).toEqual([
      'app/bb: no instance monitors this endpoint (check the pool and endpoint names)',
    ])
  })

  it('sends each instance its own token: a wrong one is an error there', async () => {
    const wrong = join(dir, 'wrong-token.yaml')
    await writeFile(
      wrong,
      JSON.stringify({
        instances: {
          edge1: {
            admin: { address: '127.0.0.1', port: edgePort, token: 'not-the-token-0123456789' },
            stateDir: 'v',
          },
        },
      }),
    )
    const result = await run(['api/x', 'up'], { config: wrong })
    expect(result.code).toBe(1)
    expect(result.stdout).toEqual([expect.stringMatching(/^edge1 {2}error: HTTP 401: /)])
    expect(override('edge1', 'api/x')).toBeUndefined()
  })

  it.each([
    [['app', 'drain'], {}, 2, 'expected POOL/ENDPOINT, such as app/b, got "app"'],
    [['app/', 'drain'], {}, 2, 'expected POOL/ENDPOINT, such as app/b, got "app/"'],
    [['app/b', 'sideways'], {}, 2, 'expected drain, up, down or clear, got "sideways"'],
    [['app/b', 'drain', 'now'], {}, 2, 'unexpected "now"'],
    [['app/b', 'drain'], { config: undefined }, 2, 'expected --config FILE'],
    [['app/b', 'drain'], { ttl: '2 hours' }, 2, '--ttl: expected a duration such as 30m, 2h, 45s or 1500'],
    [['app/b', 'clear'], { ttl: '1h' }, 2, '--ttl: a cleared override has no ttl'],
    [
      ['app/b', 'drain'],
      { instances: ['ns3'] },
      1,
      'unknown instance "ns3" (instances: ns1, ns2, edge1, edge2)',
    ],
  ])('refuses %j %j before sending anything (exit %i)', async (args, options, code, message) => {
    const result = await run(args, options)
    expect(result.code).toBe(code)
    expect(result.stdout).toEqual([])
    expect(result.stderr[0]).toContain(message)
  })
})

describe('parseDuration', () => {
  it.each([
    ['1500', 1_500],
    ['1500ms', 1_500],
    ['45s', 45_000],
    ['30m', 1_800_000],
    ['2h', 7_200_000],
    ['1.5h', 5_400_000],
    ['1d', 86_400_000],
  ])('%s → %i ms', (text, ms) => expect(parseDuration(text)).toBe(ms))

  it.each(['', '0', '30x', '-5m', 'm', '1e3'])('refuses %j', (text) => {
    expect(() => parseDuration(text)).toThrow(/expected a duration such as 30m/)
  })
})
