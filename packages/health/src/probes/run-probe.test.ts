import { isNinesError, type ProbeResult } from '@nines/core'
import { describe, expect, it } from 'vitest'
import type { Probe } from '../probe.js'
import { customProbe } from './custom-probe.js'
import { runProbe } from './run-probe.js'

const target = { address: '127.0.0.1', port: 9 }
const never = () => new Promise<never>(() => {})

/** A probe that fails its first `failures` calls with `detail`, then succeeds. */
function flaky(failures: number, detail = 'ECONNRESET'): { probe: Probe; calls: () => number } {
  let calls = 0
  return {
    probe: customProbe(async () => {
      calls++
      return calls <= failures ? { ok: false, detail } : true
    }),
    calls: () => calls,
  }
}

function timers(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length
}

describe('runProbe', () => {
  it('reports a failure as it is without retries', async () => {
    const { probe, calls } = flaky(1)
    expect(await runProbe(probe, target, { timeoutMs: 2_000 })).toMatchObject({
      ok: false,
      detail: 'ECONNRESET',
    })
    expect(calls()).toBe(1)
  })

  it('turns a one-off failure into a success with a retry', async () => {
    const { probe, calls } = flaky(1)
    expect(await runProbe(probe, target, { timeoutMs: 2_000, retries: 2, retryDelayMs: 5 })).toMatchObject({
      ok: true,
      detail: 'ok',
    })
    expect(calls()).toBe(2)
  })

  it('reports the last failure once the retries are spent, and does not retry a success', async () => {
    const failing = flaky(5, 'status 503')
    expect(
      await runProbe(failing.probe, target, { timeoutMs: 2_000, retries: 2, retryDelayMs: 5 }),
    ).toMatchObject({
      ok: false,
      detail: 'status 503',
    })
    expect(failing.calls()).toBe(3)
    const healthy = flaky(0)
    await runProbe(healthy.probe, target, { timeoutMs: 2_000, retries: 2 })
    expect(healthy.calls()).toBe(1)
  })

  it('times out a probe that ignores its signal, with and without retries', async () => {
    let aborted: unknown
    const deaf: Probe = (_, signal) => {
      signal.addEventListener('abort', () => (aborted = (signal.reason as Error).name))
      return never()
    }
    expect(await runProbe(deaf, target, { timeoutMs: 50 })).toMatchObject({ ok: false, detail: 'timeout' })
    expect(aborted).toBe('TimeoutError')
    expect(await runProbe(customProbe(never), target, { timeoutMs: 50 })).toMatchObject({ detail: 'timeout' })
    expect(await runProbe(deaf, target, { timeoutMs: 50, retries: 1, retryDelayMs: 5 })).toMatchObject({
      ok: false,
      detail: 'timeout',
    })
  })

  it('turns a throw or a rejection into a value', async () => {
    const throwing: Probe = () => {
      throw new Error('probe bug')
    }
    const rejecting: Probe = () => Promise.reject(Object.assign(new Error('x'), { code: 'EHOSTUNREACH' }))
    expect(await runProbe(throwing, target, { timeoutMs: 2_000 })).toMatchObject({
      ok: false,
      detail: 'probe bug',
    })
    expect(
      await runProbe(rejecting, target, { timeoutMs: 2_000, retries: 1, retryDelayMs: 1 }),
    ).toMatchObject({
      ok: false,
      detail: 'EHOSTUNREACH',
    })
  })

  it('measures latency itself', async () => {
    const probe: Probe = async () => ({ ok: true, latencyMs: -1, detail: 'ok' })
    const result: ProbeResult = await runProbe(probe, target, { timeoutMs: 2_000 })
    expect(result.latencyMs).toBeGreaterThanOrEqual(0)
  })

  it('stops with aborted when the outer signal aborts, and does not start when it already has', async () => {
    const controller = new AbortController()
    const running = runProbe(customProbe(never), target, { timeoutMs: 5_000, signal: controller.signal })
    controller.abort()
    expect(await running).toMatchObject({ ok: false, detail: 'aborted' })

    const { probe, calls } = flaky(0)
    expect(await runProbe(probe, target, { timeoutMs: 2_000, signal: controller.signal })).toMatchObject({
      ok: false,
      detail: 'aborted',
    })
    expect(calls()).toBe(0)
  })

  it('stops retrying when the outer signal aborts', async () => {
    const controller = new AbortController()
    const { probe, calls } = flaky(10)
    const running = runProbe(probe, target, {
      timeoutMs: 2_000,
      retries: 5,
      retryDelayMs: 1_000,
      signal: controller.signal,
    })
    await new Promise((resolve) => setTimeout(resolve, 20))
    controller.abort()
    expect(await running).toMatchObject({ ok: false, detail: 'aborted' })
    expect(calls()).toBe(1)
  })

  it('leaves no timer running', async () => {
    const before = timers()
    await runProbe(flaky(0).probe, target, { timeoutMs: 5_000 })
    await runProbe(flaky(1).probe, target, { timeoutMs: 5_000, retries: 1, retryDelayMs: 1 })
    await runProbe(customProbe(never), target, { timeoutMs: 20 })
    expect(timers()).toBeLessThanOrEqual(before)
  })

  it.each([
    [{ timeoutMs: 0 }],
    [{ timeoutMs: Number.NaN }],
    [{ timeoutMs: 100, retries: -1 }],
    [{ timeoutMs: 100, retries: 1.5 }],
    [{ timeoutMs: 100, retryDelayMs: -5 }],
  ])('rejects options that can never work: %o', async (options) => {
    const error = await runProbe(flaky(0).probe, target, options).catch((thrown: unknown) => thrown)
    expect(isNinesError(error, 'NINES_ERR_INVALID_ARGUMENT')).toBe(true)
  })
})
