import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { createSupervisor, type Supervisor, type SupervisorOptions } from './supervisor.js'
import { fixtureChild, freePort, isAlive, post } from './test-helpers.js'
import { waitUntilReady } from './wait-ready.js'

const started: Supervisor[] = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()))
})

function supervise(options: SupervisorOptions = {}): { supervisor: Supervisor; lines: string[] } {
  const lines: string[] = []
  const supervisor = createSupervisor({ write: (line) => lines.push(line), stopGraceMs: 2000, ...options })
  started.push(supervisor)
  return { supervisor, lines }
}

const ready = async (url: string) => expect(await waitUntilReady([url], { timeoutMs: 10_000 })).toEqual([])
const pidOf = (supervisor: Supervisor, name: string) => supervisor.status().find((s) => s.name === name)?.pid

describe('createSupervisor', () => {
  it('starts a child and labels its output lines, JSON shortened and plain kept', async () => {
    const { supervisor, lines } = supervise()
    const port = await freePort()
    const child = fixtureChild('ep', port)
    supervisor.start(child)
    await ready(child.readyUrl)
    await expect.poll(() => lines).toContain(`[ep] info  listening port=${port}`)
    await expect.poll(() => lines).toContain('[ep] a plain stderr line')
    expect(supervisor.status()).toEqual([{ name: 'ep', pid: expect.any(Number), running: true, starts: 1 }])
  })

  it('restarts a child that crashes after its delay, and says so', async () => {
    const { supervisor, lines } = supervise()
    const port = await freePort()
    const child = fixtureChild('b', port, { restartAfterMs: 200 })
    supervisor.start(child)
    await ready(child.readyUrl)
    const firstPid = pidOf(supervisor, 'b')!
    expect((await post(`http://127.0.0.1:${port}/crash`)).status).toBe(200)
    await expect
      .poll(() => lines, { timeout: 5000 })
      .toContain('[b] exited (crash, code 1); restarting in 0.2 s')
    await expect
      .poll(() => supervisor.status()[0], { timeout: 5000 })
      .toMatchObject({ running: true, starts: 2 })
    await ready(child.readyUrl)
    expect(lines).toContain('[b] restarting')
    expect(pidOf(supervisor, 'b')).not.toBe(firstPid)
    expect(isAlive(firstPid)).toBe(false)
  })

  it('reports a child without restart that exits, with its last lines', async () => {
    const { supervisor } = supervise({ tailLines: 2 })
    const script = "console.log('one'); console.log('two'); console.error('three'); process.exitCode = 3"
    supervisor.start({ name: 'ns1', command: process.execPath, args: ['-e', script], cwd: process.cwd() })
    const failure = await supervisor.failed
    expect(failure).toMatchObject({ name: 'ns1', code: 3, signal: null })
    expect(failure.lastLines).toHaveLength(2)
    expect(failure.lastLines).toContain('three')
    expect(supervisor.status()[0]?.running).toBe(false)
  })

  it('strict until settled: a restartable child that exits fails the stack before settle(), restarts after', async () => {
    const { supervisor, lines } = supervise({ strictUntilSettled: true })
    const [early, late] = [
      fixtureChild('ns1', await freePort(), { restartAfterMs: 100 }),
      fixtureChild('edge1', await freePort(), { restartAfterMs: 100 }),
    ]
    supervisor.start(early)
    supervisor.start(late)
    await ready(early.readyUrl)
    await ready(late.readyUrl)
    await post(early.readyUrl.replace('/health', '/crash?code=5'))
    expect(await supervisor.failed).toMatchObject({ name: 'ns1', code: 5 })
    supervisor.settle()
    await post(late.readyUrl.replace('/health', '/crash'))
    await expect.poll(() => lines, { timeout: 5000 }).toContain('[edge1] restarting')
    await ready(late.readyUrl)
    expect(lines.some((line) => line.startsWith('[ns1] restarting'))).toBe(false)
  })

  it('stops every child: SIGTERM, SIGKILL for one that ignores it, and what they forked', async () => {
    const { supervisor, lines } = supervise({ stopGraceMs: 300 })
    const [polite, deaf] = [fixtureChild('a', await freePort()), fixtureChild('c', await freePort())]
    supervisor.start(polite)
    supervisor.start({ ...deaf, args: [...deaf.args, '--ignore-sigterm', '--grandchild'] })
    await ready(polite.readyUrl)
    await ready(deaf.readyUrl)
    const listening = () => lines.find((line) => line.startsWith('[c] info  listening'))
    await expect.poll(listening).toBeDefined()
    const grandchild = Number(/grandchild=(\d+)/.exec(listening() ?? '')?.[1])
    const pids = [pidOf(supervisor, 'a')!, pidOf(supervisor, 'c')!, grandchild]
    expect(pids.every(isAlive)).toBe(true)
    await supervisor.stop()
    expect(supervisor.status().map((s) => s.running)).toEqual([false, false])
    expect(lines).toContain('[c] still running 0.3 s after SIGTERM; sending SIGKILL')
    expect(lines.some((line) => line.startsWith('[a] still running'))).toBe(false)
    // The grandchild's new parent reaps it, maybe a moment later.
    await expect.poll(() => pids.filter(isAlive), { timeout: 5000 }).toEqual([])
  })

  it('restarts nothing once stopping, not even a restart already scheduled', async () => {
    const { supervisor, lines } = supervise()
    const child = fixtureChild('b', await freePort(), { restartAfterMs: 100 })
    supervisor.start(child)
    await ready(child.readyUrl)
    await post(child.readyUrl.replace('/health', '/crash'))
    await expect.poll(() => lines.some((line) => line.includes('restarting in'))).toBe(true)
    await supervisor.stop()
    await new Promise((resolve) => setTimeout(resolve, 400))
    expect(supervisor.status()[0]).toMatchObject({ running: false, starts: 1 })
    expect(() => supervisor.start(fixtureChild('d', 1))).toThrow(/stopping/)
  })

  it('kills every child at once for an exit handler', async () => {
    const { supervisor } = supervise()
    const child = fixtureChild('a', await freePort(), { flags: ['--ignore-sigterm'] })
    supervisor.start(child)
    await ready(child.readyUrl)
    const pid = pidOf(supervisor, 'a')!
    supervisor.killNow()
    await expect.poll(() => isAlive(pid), { timeout: 5000 }).toBe(false)
  })

  // The real demo endpoint needs tools/stacks built; `npm test` on a fresh clone runs before any build.
  const stacksMain = fileURLToPath(new URL('../../stacks/dist/main.js', import.meta.url))
  it.skipIf(!existsSync(stacksMain))('supervises a real demo endpoint through a crash', async () => {
    const { supervisor, lines } = supervise()
    const port = await freePort()
    const args = [stacksMain, '--stack', 'hono', '--name', 'b', '--address', '127.0.0.1', '--port', `${port}`]
    supervisor.start({ name: 'b', command: process.execPath, args, cwd: process.cwd(), restartAfterMs: 200 })
    const health = `http://127.0.0.1:${port}/health`
    await ready(health)
    expect((await post(`http://127.0.0.1:${port}/__nines/crash`)).status).toBe(202)
    await expect
      .poll(() => lines, { timeout: 5000 })
      .toContain('[b] exited (crash, code 1); restarting in 0.2 s')
    await expect.poll(() => supervisor.status()[0]?.starts, { timeout: 5000 }).toBe(2)
    await ready(health)
  })
})
