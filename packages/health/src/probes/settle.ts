import type { ProbeResult } from '@nines/core'
import type { Probe, ProbeTarget } from '../probe.js'
import { errorDetail } from './detail.js'

/** Ends a probe; only the first call counts. */
export type Finish = (ok: boolean, detail: string) => void

/**
 * Runs one probe's socket work and resolves exactly once: with what the work reports through `finish`, with
 * `timeout` when `signal` aborts, or with the detail of a synchronous throw. `start` returns the cleanup that
 * closes its sockets; it runs on every way out, so nothing outlives the probe. No timers: the caller owns
 * the deadline (see runProbe).
 */
export function settle(signal: AbortSignal, start: (finish: Finish) => () => void): Promise<ProbeResult> {
  const startedAt = performance.now()
  return new Promise((resolve) => {
    let done = false
    let cleanup: (() => void) | undefined
    const finish: Finish = (ok, detail) => {
      if (done) return
      done = true
      signal.removeEventListener('abort', onAbort)
      cleanup?.()
      resolve({ ok, latencyMs: elapsedMs(startedAt), detail })
    }
    const onAbort = (): void => finish(false, 'timeout')
    if (signal.aborted) {
      onAbort()
      return
    }
    signal.addEventListener('abort', onAbort, { once: true })
    try {
      cleanup = start(finish)
    } catch (error) {
      finish(false, errorDetail(error))
    }
    // `finish` may have run inside `start`, before the cleanup existed.
    if (done) cleanup?.()
  })
}

/** Milliseconds since `startedAt` (a performance.now() reading), to the microsecond. */
export function elapsedMs(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 1000) / 1000
}

/** A probe's socket work: start it, report through `finish`, return the cleanup that closes its sockets. */
export type ProbeWork = (target: ProbeTarget, finish: Finish) => () => void

const workKey = Symbol('nines.probeWork')

/**
 * A Probe made of `work`. runProbe drives the work directly, with its own deadline and no AbortSignal or
 * promise per attempt (a third of a probe's allocations); called as a Probe, it runs through settle().
 */
export function probeOf(work: ProbeWork): Probe {
  const probe: Probe = (target, signal) => settle(signal, (finish) => work(target, finish))
  return Object.assign(probe, { [workKey]: work })
}

/** The work behind a probe made by probeOf, else undefined. */
export function workOf(probe: Probe): ProbeWork | undefined {
  return (probe as { [workKey]?: ProbeWork })[workKey]
}
