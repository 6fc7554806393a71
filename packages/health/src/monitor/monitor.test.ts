import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ManualClock, isNinesError, seededRng, type ProbeResult } from '@nines/core'
import { afterEach, describe, expect, it } from 'vitest'
import type { TransitionEvent } from './events.js'
import { Monitor, type MonitorOptions } from './monitor.js'

const monitors: Monitor[] = []
const servers: Server[] = []
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.stop()))
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))))
})

function monitor(options: MonitorOptions = {}): Monitor {
  const m = new Monitor({ observer: 'test', rng: seededRng(1), ...options })
  monitors.push(m)
  return m
}

/** A probe whose answers the test scripts; it records how many run at once. */
function scripted(initial: boolean) {
  const state = { ok: initial, calls: 0, concurrent: 0, maxConcurrent: 0, delayMs: 0 }
  const probe = async (): Promise<ProbeResult> => {
    state.calls++
    state.concurrent++
    state.maxConcurrent = Math.max(state.maxConcurrent, state.concurrent)
    if (state.delayMs) await new Promise((resolve) => setTimeout(resolve, state.delayMs))
    state.concurrent--
    return { ok: state.ok, latencyMs: 1, detail: state.ok ? 'ok' : 'status 503' }
  }
  return { state, probe }
}

/** Advances a manual clock step by step, letting each probe's promise settle in between. */
async function run(clock: ManualClock, ms: number, stepMs = 50): Promise<void> {
  for (let t = 0; t < ms; t += stepMs) {
    clock.advance(stepMs)
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
  }
}

/** Steps a manual clock until the condition holds; fails the test if it never does within maxMs. */
async function runUntil(clock: ManualClock, condition: () => boolean, maxMs = 10_000): Promise<void> {
  for (let t = 0; t < maxMs && !condition(); t += 10) await run(clock, 10, 10)
  expect(condition()).toBe(true)
}

const fastCheck = {
  kind: 'custom',
  intervalMs: 1000,
  fastIntervalMs: 500,
  timeoutMs: 200,
  jitter: 0,
} as const

describe('Monitor with a scripted probe', () => {
  it('starts unknown, takes the first result, then applies fall and rise', async () => {
    const clock = new ManualClock(0)
    const m = monitor({ clock, damping: false })
    const { state, probe } = scripted(true)
    const events: TransitionEvent[] = []
    m.on('transition', (event) => events.push(event))
    m.add({ endpoint: { address: '127.0.0.1', port: 9 }, check: fastCheck, probe })
    expect(m.get('127.0.0.1:9')?.observed).toBe('unknown')
    m.start()
    await run(clock, 1000)
    expect(m.get('127.0.0.1:9')).toMatchObject({ observed: 'up', effective: 'up' })
    expect(events.map((e) => [e.from, e.to])).toEqual([['unknown', 'up']])

    state.ok = false
    const before = state.calls
    await runUntil(clock, () => state.calls - before === 2)
    expect(m.get('127.0.0.1:9')?.observed).toBe('up') // two failures: not yet fall 3
    await runUntil(clock, () => state.calls - before === 3)
    expect(m.get('127.0.0.1:9')?.observed).toBe('down')
    expect(events.at(-1)).toMatchObject({ from: 'up', to: 'down', observer: 'test' })
    expect(events.at(-1)?.reason).toMatch(/^fall 3\/3: status 503/)

    state.ok = true
    const downAt = state.calls
    await runUntil(clock, () => state.calls - downAt === 1)
    expect(m.get('127.0.0.1:9')?.observed).toBe('down') // one success: not yet rise 2
    await runUntil(clock, () => state.calls - downAt === 2)
    expect(m.get('127.0.0.1:9')?.observed).toBe('up')
    expect(events.at(-1)?.reason).toMatch(/^rise 2\/2/)
  })

  it('keeps one probe in flight per endpoint', async () => {
    const m = monitor({ damping: false })
    const { state, probe } = scripted(true)
    state.delayMs = 150
    m.add({
      endpoint: { address: '127.0.0.1', port: 9 },
      check: { ...fastCheck, intervalMs: 100, timeoutMs: 1000 },
      probe,
    })
    m.start()
    await new Promise((resolve) => setTimeout(resolve, 700))
    expect(state.calls).toBeGreaterThan(1)
    expect(state.maxConcurrent).toBe(1)
  })

  it('resolves firstRound when every endpoint has a verdict, or reports the cap', async () => {
    const clock = new ManualClock(0)
    const m = monitor({ clock })
    const a = scripted(true)
    const b = scripted(false)
    m.add({ endpoint: { address: '127.0.0.1', port: 1 }, check: fastCheck, probe: a.probe })
    m.add({ endpoint: { address: '127.0.0.1', port: 2 }, check: fastCheck, probe: b.probe })
    const first = m.firstRound(5000)
    m.start()
    await run(clock, 600)
    await expect(first).resolves.toBe(true)
    expect(m.list().map((s) => s.observed)).toEqual(['up', 'down'])

    const never = monitor({ clock })
    never.add({ endpoint: { address: '127.0.0.1', port: 3 }, check: fastCheck, probe: a.probe })
    const capped = never.firstRound(300) // never started: no verdict can come
    await run(clock, 400)
    await expect(capped).resolves.toBe(false)
  })

  it('marks an endpoint down on passive failures; only active probes bring it back', async () => {
    const clock = new ManualClock(0)
    const m = monitor({ clock, damping: false, passive: { failures: 3, windowMs: 10_000 } })
    const { probe } = scripted(true)
    m.add({ endpoint: { address: '127.0.0.1', port: 9 }, check: fastCheck, probe })
    m.start()
    await run(clock, 600)
    expect(m.get('127.0.0.1:9')?.observed).toBe('up')
    for (let i = 0; i < 2; i++) m.report('127.0.0.1:9', { ok: false, latencyMs: 5 })
    m.report('127.0.0.1:9', { ok: true, latencyMs: 5 })
    expect(m.get('127.0.0.1:9')?.observed).toBe('up')
    m.report('127.0.0.1:9', { ok: false, latencyMs: 5 })
    expect(m.get('127.0.0.1:9')).toMatchObject({ observed: 'down' })
    expect(m.get('127.0.0.1:9')?.reason).toMatch(/^passive/)
    await run(clock, 1000 + 600)
    expect(m.get('127.0.0.1:9')?.observed).toBe('up')
  })

  it('keeps the state of unchanged endpoints when the target set is replaced', async () => {
    const clock = new ManualClock(0)
    const m = monitor({ clock })
    const { probe } = scripted(true)
    const a = { endpoint: { address: '127.0.0.1', port: 1 }, check: fastCheck, probe }
    m.set([a])
    m.start()
    await run(clock, 600)
    const since = m.get('127.0.0.1:1')?.since
    m.set([a, { endpoint: { address: '127.0.0.1', port: 2 }, check: fastCheck, probe }])
    expect(m.get('127.0.0.1:1')).toMatchObject({ observed: 'up', since })
    expect(m.get('127.0.0.1:2')?.observed).toBe('unknown')
    m.set([{ endpoint: { address: '127.0.0.1', port: 2 }, check: fastCheck, probe }])
    expect(m.get('127.0.0.1:1')).toBeUndefined()
  })

  it('merges verdicts by quorum', async () => {
    const clock = new ManualClock(0)
    const m = monitor({ clock, quorum: { required: 2, observers: ['test', 'far'], staleAfterMs: 10_000 } })
    const { probe } = scripted(true)
    m.add({ endpoint: { address: '127.0.0.1', port: 9 }, check: fastCheck, probe })
    m.start()
    await run(clock, 600)
    expect(m.get('127.0.0.1:9')?.observed).not.toBe('up') // one of two observers is not enough
    m.acceptVerdict({ observer: 'far', endpointId: '127.0.0.1:9', observed: 'up', at: clock.now() })
    expect(m.get('127.0.0.1:9')?.observed).toBe('up')
    m.acceptVerdict({ observer: 'far', endpointId: '127.0.0.1:9', observed: 'down', at: clock.now() + 1 })
    expect(m.get('127.0.0.1:9')?.observed).toBe('down')
  })

  it('rejects invalid checks and custom checks without a probe', () => {
    const m = monitor()
    expect(() => m.add({ endpoint: { address: '127.0.0.1', port: 9 }, check: { kind: 'custom' } })).toThrow(
      /needs a probe/,
    )
    expect(() =>
      m.add({ endpoint: { address: '127.0.0.1', port: 9 }, check: { kind: 'http', intervalMs: 5 } }),
    ).toThrow(/intervalMs/)
  })

  it('accepts a custom probe that answers a boolean or a partial result, as the README documents', async () => {
    const clock = new ManualClock(0)
    const m = monitor({ clock, damping: false })
    let answer: boolean | { ok: boolean; detail?: string } = true
    m.add({ endpoint: { address: '127.0.0.1', port: 9 }, check: fastCheck, probe: async () => answer })
    m.start()
    await runUntil(clock, () => m.get('127.0.0.1:9')?.observed === 'up')
    expect(m.get('127.0.0.1:9')?.lastResult).toMatchObject({ ok: true, detail: 'ok' })
    answer = false
    await runUntil(clock, () => m.get('127.0.0.1:9')?.observed === 'down')
    expect(m.get('127.0.0.1:9')?.lastResult).toMatchObject({ ok: false, detail: 'failed' })
    answer = { ok: true, detail: 'queue depth 3' }
    await runUntil(clock, () => m.get('127.0.0.1:9')?.observed === 'up')
    expect(m.get('127.0.0.1:9')?.lastResult).toMatchObject({ ok: true, detail: 'queue depth 3' })
  })
})

describe('Monitor overrides and the state file', () => {
  it('keeps overrides beside the observed state, persists them and restores them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nines-monitor-'))
    const stateFile = join(dir, 'state.json')
    const clock = new ManualClock(1_000_000)
    const m = monitor({ clock, stateFile })
    const { probe } = scripted(true)
    const target = { endpoint: { address: '127.0.0.1', port: 9, id: 'a' }, check: fastCheck, probe }
    m.add(target)
    m.start()
    await run(clock, 600)
    const events: TransitionEvent[] = []
    m.on('transition', (event) => events.push(event))
    m.setOverride('a', { state: 'drain', reason: 'kernel upgrade', ttlMs: 60_000 })
    expect(m.get('a')).toMatchObject({ observed: 'up', effective: 'drain', override: { planned: true } })
    expect(events[0]).toMatchObject({
      effectiveFrom: 'up',
      effectiveTo: 'drain',
      reason: 'override drain: kernel upgrade',
    })
    await m.stop()

    const saved = JSON.parse(await readFile(stateFile, 'utf8'))
    expect(saved.overrides.a).toMatchObject({
      state: 'drain',
      reason: 'kernel upgrade',
      expiresAt: 1_060_600,
    })
    expect(saved.endpoints.a.observed).toBe('up')

    const restarted = monitor({ clock, stateFile })
    await restarted.load()
    restarted.add(target)
    expect(restarted.get('a')).toMatchObject({ observed: 'up', effective: 'drain' })
    await expect(restarted.firstRound(0)).resolves.toBe(true) // the saved verdict is recent enough
    const later: TransitionEvent[] = []
    restarted.on('transition', (event) => later.push(event))
    clock.advance(60_000)
    expect(restarted.get('a')?.effective).toBe('up')
    expect(later[0]?.reason).toBe('override expired')
  })

  it('clears an override and ignores unknown endpoints', () => {
    const m = monitor()
    const { probe } = scripted(true)
    m.add({ endpoint: { address: '127.0.0.1', port: 9, id: 'a' }, check: fastCheck, probe })
    expect(m.setOverride('nope', { state: 'down', reason: 'x' })).toBeUndefined()
    expect(m.setOverride('a', { state: 'down', reason: 'x' })).toMatchObject({
      effective: 'down',
      override: { planned: false },
    })
    expect(m.clearOverride('a')).toMatchObject({ effective: 'unknown', override: undefined })
  })

  it('rejects a malformed state file whole, with a clear error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nines-monitor-'))
    const stateFile = join(dir, 'state.json')
    await writeFile(
      stateFile,
      JSON.stringify({ version: 1, savedAt: 1, endpoints: {}, overrides: { a: { state: 'sideways' } } }),
    )
    const error = await monitor({ stateFile })
      .load()
      .catch((e: unknown) => e)
    expect(isNinesError(error, 'NINES_ERR_STATE_FILE_INVALID')).toBe(true)
    expect((error as Error).message).toMatch(/overrides\.a\.state/)
    await writeFile(stateFile, '{"version": 1,')
    await expect(monitor({ stateFile }).load()).rejects.toThrow(/not JSON/)
  })
})

describe('Monitor against a real HTTP endpoint', () => {
  it('sees a stopped server go down after fall probes and come back after rise', async () => {
    let server = createServer((_req, res) => res.end('ok'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    const m = monitor({ damping: false })
    const events: TransitionEvent[] = []
    m.on('transition', (event) => events.push(event))
    m.add({
      endpoint: { address: '127.0.0.1', port },
      check: {
        kind: 'http',
        path: '/health',
        intervalMs: 100,
        fastIntervalMs: 100,
        timeoutMs: 500,
        rise: 2,
        fall: 3,
      },
    })
    m.start()
    await expect(m.firstRound(5000)).resolves.toBe(true)
    expect(m.list()[0]?.observed).toBe('up')

    await new Promise((resolve) => server.close(resolve))
    await expect.poll(() => m.list()[0]?.observed, { timeout: 5000, interval: 20 }).toBe('down')
    expect(events.at(-1)?.reason).toBe('fall 3/3: ECONNREFUSED')

    server = createServer((_req, res) => res.end('ok'))
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
    await expect.poll(() => m.list()[0]?.observed, { timeout: 5000, interval: 20 }).toBe('up')
    expect(events.at(-1)?.reason).toBe('rise 2/2')
  })
})
