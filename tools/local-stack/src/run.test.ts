import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Plan, StackChild } from './plan.js'
import { runLocalStack } from './run.js'
import { fixture, fixtureChild, freePort, isAlive, post } from './test-helpers.js'

const held: Server[] = []
afterEach(async () => {
  await Promise.all(held.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
})

/** A plan of stand-ins on ephemeral ports: an endpoint that restarts, then a "daemon" that must not exit. */
async function standInPlan(
  overrides: Partial<Plan> = {},
): Promise<{ plan: Plan; endpoint: StackChild; daemon: StackChild }> {
  const endpoint = fixtureChild('a', await freePort(), { restartAfterMs: 100 })
  const daemon = fixtureChild('ns1', await freePort())
  const plan: Plan = {
    requiredFiles: [{ path: fixture, label: 'fixture', hint: 'x' }],
    claims: [],
    phases: [[endpoint], [daemon]],
    banner: ['BANNER'],
    ...overrides,
  }
  return { plan, endpoint, daemon }
}

function collect(): { lines: string[]; write: (line: string) => void } {
  const lines: string[] = []
  return { lines, write: (line) => lines.push(line) }
}

const pidsOf = (...children: StackChild[]): Promise<number[]> =>
  Promise.all(
    children.map(async (child) => {
      const response = await fetch(child.readyUrl.replace('/health', '/pid'))
      return ((await response.json()) as { pid: number }).pid
    }),
  )

describe('runLocalStack', () => {
  it('starts nothing when a file is missing, and names it with the hint', async () => {
    const { plan } = await standInPlan({
      requiredFiles: [
        { path: '/nonexistent/main.js', label: 'apps/dns-server/dist/main.js', hint: 'run `npm run build`' },
      ],
    })
    const { lines, write } = collect()
    expect(await runLocalStack(plan, { write })).toBe(1)
    expect(lines).toEqual(['[stack] apps/dns-server/dist/main.js is missing: run `npm run build`'])
  })

  it('starts nothing when a claimed port is taken', async () => {
    const server = createServer()
    held.push(server)
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    )
    const { plan, endpoint } = await standInPlan({
      claims: [{ protocol: 'tcp', address: '127.0.0.1', port, owner: 'ns1 admin' }],
    })
    const { lines, write } = collect()
    expect(await runLocalStack(plan, { write })).toBe(1)
    expect(lines).toEqual([
      `[stack] 127.0.0.1:${port}/tcp (ns1 admin) is already in use: another \`npm start\` or a local service may hold it`,
      '[stack] nothing was started',
    ])
    await expect(fetch(endpoint.readyUrl)).rejects.toThrow()
  })

  it('says so in one line when every port is taken: the stack itself runs elsewhere', async () => {
    const servers = [createServer(), createServer()]
    held.push(...servers)
    const ports = await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((resolve) =>
            server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
          ),
      ),
    )
    const { plan } = await standInPlan({
      claims: ports.map((port, i) => ({
        protocol: 'tcp',
        address: '127.0.0.1',
        port,
        owner: `edge${i + 1} HTTP`,
      })),
    })
    const { lines, write } = collect()
    expect(await runLocalStack(plan, { write })).toBe(1)
    expect(lines).toEqual([
      `[stack] all 2 ports of the stack are in use (127.0.0.1:${ports[0]}/tcp for edge1 HTTP, …): is \`npm start\` already running in another terminal?`,
      '[stack] nothing was started',
    ])
    // Once they are free, it starts.
    await Promise.all(held.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
    const stop = new AbortController()
    const run = runLocalStack(plan, { write, signal: stop.signal })
    await expect.poll(() => lines, { timeout: 15_000 }).toContain('BANNER')
    stop.abort('SIGINT')
    expect(await run).toBe(0)
  })

  it('runs the phases, prints the banner once ready, and leaves no process after a stop', async () => {
    const { plan, endpoint, daemon } = await standInPlan()
    const { lines, write } = collect()
    const stop = new AbortController()
    const run = runLocalStack(plan, { write, signal: stop.signal })
    await expect.poll(() => lines, { timeout: 15_000 }).toContain('BANNER')
    // Both answer, and the endpoint was ready before the daemon was started.
    expect((await fetch(endpoint.readyUrl)).status).toBe(200)
    expect((await fetch(daemon.readyUrl)).status).toBe(200)
    const firstDaemonLine = lines.findIndex((line) => line.startsWith('[ns1]'))
    expect(lines.findIndex((line) => line.startsWith('[a]     info  listening'))).toBeLessThan(
      firstDaemonLine,
    )
    const pids = await pidsOf(endpoint, daemon)
    stop.abort('SIGINT')
    expect(await run).toBe(0)
    expect(lines).toContain('[stack] SIGINT: stopping everything')
    expect(lines.at(-1)).toBe('[stack] stopped; no process left')
    expect(pids.filter(isAlive)).toEqual([])
  })

  it('stops everything with the code of a daemon that exits, and shows its last lines', async () => {
    const { plan, endpoint, daemon } = await standInPlan()
    const { lines, write } = collect()
    const run = runLocalStack(plan, { write })
    await expect.poll(() => lines, { timeout: 15_000 }).toContain('BANNER')
    const pids = await pidsOf(endpoint, daemon)
    await post(daemon.readyUrl.replace('/health', '/crash?code=7'))
    expect(await run).toBe(7)
    expect(lines).toContain('[stack] ns1 exited; its last output:')
    expect(lines).toContain('[stack]   a plain stderr line')
    expect(lines).toContain('[stack] stopping everything (exit code 7)')
    expect(pids.filter(isAlive)).toEqual([])
  })

  it('restarts a daemon that exits, and keeps running', async () => {
    const { plan, endpoint, daemon } = await standInPlan()
    const restarting = { ...daemon, restartAfterMs: 100 }
    const { lines, write } = collect()
    const stop = new AbortController()
    const run = runLocalStack({ ...plan, phases: [[endpoint], [restarting]] }, { write, signal: stop.signal })
    await expect.poll(() => lines, { timeout: 15_000 }).toContain('BANNER')
    const [first] = await pidsOf(restarting)
    await post(restarting.readyUrl.replace('/health', '/crash?code=7'))
    await expect
      .poll(() => lines, { timeout: 5000 })
      .toContain('[ns1]   exited (crash, code 7); restarting in 0.1 s')
    // Back, as another process, and the stack never stopped.
    await expect
      .poll(async () => (await pidsOf(restarting).catch(() => [first]))[0], { timeout: 10_000 })
      .not.toBe(first)
    expect(lines).toContain('[ns1]   restarting')
    expect(lines.some((line) => line.includes('stopping everything'))).toBe(false)
    const pids = await pidsOf(endpoint, restarting)
    stop.abort('SIGINT')
    expect(await run).toBe(0)
    expect([first!, ...pids].filter(isAlive)).toEqual([])
  })

  it('stops at once, with its last lines, when a restartable daemon exits before everything is ready', async () => {
    const { plan, endpoint } = await standInPlan()
    const broken = {
      name: 'edge1',
      command: process.execPath,
      args: ['-e', "console.error('edge1: cannot read examples/local.yaml'); process.exit(2)"],
      cwd: process.cwd(),
      readyUrl: `http://127.0.0.1:${await freePort()}/readyz`,
      restartAfterMs: 100,
    }
    const { lines, write } = collect()
    // A ready timeout far longer than the test: the exit, not the timeout, ends the run.
    const code = await runLocalStack(
      { ...plan, phases: [[endpoint], [broken]] },
      { write, readyTimeoutMs: 60_000 },
    )
    expect(code).toBe(2)
    expect(lines).toContain('[edge1] exited (code 2)')
    expect(lines).toContain('[stack]   edge1: cannot read examples/local.yaml')
    expect(lines).not.toContain('BANNER')
    expect(lines.some((line) => line.includes('restarting'))).toBe(false)
    await expect(fetch(endpoint.readyUrl)).rejects.toThrow()
  })

  it('gives up and stops everything when a child is never ready', async () => {
    const { plan, endpoint } = await standInPlan()
    const never = { ...endpoint, readyUrl: `http://127.0.0.1:${await freePort()}/health` }
    const { lines, write } = collect()
    const code = await runLocalStack({ ...plan, phases: [[never]] }, { write, readyTimeoutMs: 600 })
    expect(code).toBe(1)
    expect(lines).toContain(`[stack] not ready after 0.6 s: ${never.readyUrl}; stopping everything`)
    expect(lines).not.toContain('BANNER')
    await expect(fetch(endpoint.readyUrl)).rejects.toThrow()
  })

  it('makes the local certificates before the first phase, reuses them next time, and stops on failure', async () => {
    const root = mkdtempSync(join(tmpdir(), 'nines-run-tls-'))
    try {
      const certificates = { root, names: [{ name: 'ns1', address: '127.0.0.1', host: 'ns1.nines.test' }] }
      for (const expected of [
        '[stack] certificates: made ca, ns1 in var/tls/ (CA var/tls/ca.pem)',
        '[stack] certificates: reusing var/tls/ (CA var/tls/ca.pem)',
      ]) {
        const { plan } = await standInPlan({ certificates })
        const { lines, write } = collect()
        const stop = new AbortController()
        const run = runLocalStack(plan, { write, signal: stop.signal })
        await expect.poll(() => lines, { timeout: 15_000 }).toContain('BANNER')
        expect(lines[0]).toBe(expected)
        expect(lines.findIndex((line) => line.startsWith('[a]'))).toBeGreaterThan(0)
        expect(existsSync(join(root, 'var/tls/ns1-key.pem'))).toBe(true)
        stop.abort('SIGINT')
        expect(await run).toBe(0)
      }
      // A root where var/ cannot be made: nothing starts.
      const file = join(root, 'not-a-dir')
      writeFileSync(file, '')
      const { plan, endpoint } = await standInPlan({ certificates: { ...certificates, root: file } })
      const { lines, write } = collect()
      expect(await runLocalStack(plan, { write })).toBe(1)
      expect(lines).toEqual([
        expect.stringMatching(
          /^\[stack\] cannot make the local certificates: .*ENOTDIR.*; nothing was started$/,
        ),
      ])
      await expect(fetch(endpoint.readyUrl)).rejects.toThrow()
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
