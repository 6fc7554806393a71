import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { createLogger, logSchema } from '@nines/ops'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { startDaemon, type Daemon, type DaemonSpec } from './runtime.js'
import { healthOptionsSchema } from './schema.js'

// A daemon of its own: admin on port 0 (the real schema wants a fixed port), an optional `dns` role key.
const schema = z.object({
  instances: z.record(
    z.string(),
    z.object({
      admin: z.object({ address: z.string(), port: z.number() }),
      stateDir: z.string(),
      dns: z.object({ listen: z.array(z.string()) }).optional(),
    }),
  ),
  log: logSchema.prefault({ level: 'info' }),
  pools: z.record(z.string(), z.never()).default({}),
  health: healthOptionsSchema,
})

let dir: string
let lines: string[]
let daemon: Daemon | undefined
const applied: unknown[] = []

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nines-daemon-role-'))
  lines = []
  applied.length = 0
})
afterEach(async () => {
  await daemon?.stop()
  daemon = undefined
  await rm(dir, { recursive: true, force: true })
})

const file = (withDns: boolean) =>
  JSON.stringify({
    instances: {
      ns1: {
        admin: { address: '127.0.0.1', port: 0 },
        stateDir: join(dir, 'ns1'),
        ...(withDns ? { dns: { listen: ['127.0.0.1:5300'] } } : {}),
      },
      ns2: { admin: { address: '127.0.0.1', port: 0 }, stateDir: join(dir, 'ns2'), dns: { listen: [] } },
    },
  })

const spec: DaemonSpec<typeof schema> = {
  name: 'nines-test',
  schema,
  metricsPrefix: 'nines_test_',
  role: 'dns',
  targets: () => [],
  create: () => ({
    prepare: () => undefined,
    apply: (config) => void applied.push(config),
    serve: async () => ({}),
    stop: async () => undefined,
  }),
}

function start() {
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean))
      done()
    },
  })
  const logger = createLogger({ name: 'nines-test', destination })
  return startDaemon(spec, { configFile: join(dir, 'nines.yaml'), instance: 'ns1', logger })
}

describe('startDaemon with a role', () => {
  it('refuses to start an instance without its role key, naming those with one', async () => {
    await writeFile(join(dir, 'nines.yaml'), file(false))
    await expect(start()).rejects.toMatchObject({
      code: 'NINES_ERR_INSTANCE_ROLE',
      message: 'instance "ns1" has no dns entry; nines-test runs instances with one (ns2)',
    })
  })

  it('vetoes a reload that takes the role away, and keeps serving', async () => {
    await writeFile(join(dir, 'nines.yaml'), file(true))
    daemon = await start()
    await writeFile(join(dir, 'nines.yaml'), file(false))
    process.emit('SIGHUP')
    await until(() => lines.some((line) => line.includes('configuration rejected')))
    const rejected = JSON.parse(lines.find((line) => line.includes('configuration rejected'))!)
    expect(rejected).toMatchObject({ code: 'NINES_ERR_CONFIG_REFUSED' })
    expect(rejected.error).toContain(
      'instance "ns1" has no dns entry; nines-test runs instances with one (ns2)',
    )
    expect(applied).toEqual([])
    expect((await fetch(`${daemon.admin.url}/readyz`)).status).toBe(200)
  })
})

/** Waits for a condition the daemon reaches by itself (no time is asserted; vitest's timeout bounds it). */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setTimeout(resolve, 10))
}
