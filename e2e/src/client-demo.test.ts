// examples/client/demo.mjs against a built nines-dns and two demo endpoints started by the test: one
// endpoint crashes mid-run (DNS still lists it), every request is still answered, by the other one, and
// once the endpoint is back it serves again.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { deployment } from './deployment.js'
import {
  freePort,
  startDns,
  startEndpointProcess,
  waitFor,
  type EndpointProcess,
  type RunningDns,
} from './harness.js'

const demo = fileURLToPath(new URL('../../examples/client/demo.mjs', import.meta.url))
const [A, B] = ['127.0.7.11', '127.0.7.12']

describe('examples/client/demo.mjs', () => {
  const endpoints: EndpointProcess[] = []
  let dns: RunningDns | undefined
  afterAll(async () => {
    for (const endpoint of endpoints) await endpoint.stop()
    await dns?.stop()
  })

  it('survives a crashed endpoint without DNS noticing, and uses it again once it is back', async () => {
    const zone = { records: [A, B].map((data) => ({ name: 'app', type: 'A', ttlSec: 30, data })) }
    dns = await startDns((p) => deployment(p, {}, zone))
    const port = await freePort(A)
    const start = async (address: string, name: string) => {
      const endpoint = await startEndpointProcess({ stack: 'node-http', name, address, port })
      endpoints.push(endpoint)
      return endpoint
    }
    const a = await start(A, 'a')
    await start(B, 'b')

    const args = ['--nameservers', `127.0.0.1:${dns.port}`, '--host', 'app.e2e.test', '--port', String(port)]
    args.push('--requests', '40', '--interval-ms', '100', '--quiet')
    const child = spawn(process.execPath, [demo, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    const lines = () => out.split('\n').filter((l) => l.startsWith('#'))

    await waitFor(() => lines().length >= 5, 10_000)
    const crash = await fetch(`http://${A}:${port}/__nines/crash`, { method: 'POST' })
    expect(crash.status).toBe(202)
    await a.exited
    const crashedAt = lines().length
    await waitFor(() => lines().length >= crashedAt + 10, 10_000)
    const down = lines().slice(crashedAt + 1, crashedAt + 10)
    await start(A, 'a') // heal: the same address and port
    const healedAt = lines().length
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 20_000))])
    process.stdout.write(out)
    expect(code).toBe(0)
    expect(out).toMatch(/done: 40 requests, 40 answered, 0 failed/)
    // While A was dead: every request served by B; DNS still gave both addresses, A tried and skipped.
    for (const line of down) expect(line).toMatch(new RegExp(`served by ${B}:${port} .*dns: 2 addresses`))
    expect(down.some((l) => l.includes(`tried ${A}:${port} first`))).toBe(true)
    // Back: A serves again.
    expect(
      lines()
        .slice(healedAt + 1)
        .some((l) => l.includes(`served by ${A}:${port}`)),
    ).toBe(true)
  })
})
