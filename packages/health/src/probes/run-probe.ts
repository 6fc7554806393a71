import { InvalidArgumentError, type ProbeResult } from '@nines/core'
import pRetry from 'p-retry'
import type { Probe, ProbeTarget } from '../probe.js'
import { errorDetail } from './detail.js'
import { elapsedMs, workOf, type ProbeWork } from './settle.js'

export interface RunProbeOptions {
  /** Each attempt is aborted after this long and reports `timeout`. */
  readonly timeoutMs: number
  /** In-check retries after a failed attempt; default 0. */
  readonly retries?: number
  /** Wait between attempts; default 50. */
  readonly retryDelayMs?: number
  /** Stops the run (the scheduler shutting down); the result then reports `aborted`. */
  readonly signal?: AbortSignal
}

/** How long a probe may take to settle after its signal aborted before runProbe stops waiting for it. */
export const settleGraceMs = 25

const defaultRetryDelayMs = 50

/** A failed attempt, thrown only to tell p-retry to try again. */
class FailedAttempt extends Error {
  constructor(readonly result: ProbeResult) {
    super(result.detail)
  }
}

/**
 * Runs a probe once, or up to `retries + 1` times until one attempt succeeds. Each attempt gets its own
 * signal, aborted after `timeoutMs` or when `options.signal` aborts, and resolves by `timeoutMs +
 * settleGraceMs` even if the probe ignores its signal; a throw becomes `{ ok: false, detail }`. Never rejects,
 * except for options that can never work (InvalidArgumentError). `latencyMs` is the last attempt's, measured
 * here.
 */
export async function runProbe(
  probe: Probe,
  target: ProbeTarget,
  options: RunProbeOptions,
): Promise<ProbeResult> {
  const { timeoutMs, retries = 0, retryDelayMs = defaultRetryDelayMs, signal } = options
  validate(timeoutMs, retries, retryDelayMs)
  if (retries === 0) return attempt(probe, target, timeoutMs, signal)

  let last: ProbeResult | undefined
  try {
    return await pRetry(
      async () => {
        last = await attempt(probe, target, timeoutMs, signal)
        if (!last.ok) throw new FailedAttempt(last)
        return last
      },
      {
        retries,
        factor: 1,
        minTimeout: retryDelayMs,
        maxTimeout: retryDelayMs,
        randomize: false,
        // Attempts are bounded already; this bounds the whole run should that ever change.
        maxRetryTime: (retries + 1) * (timeoutMs + settleGraceMs) + retries * retryDelayMs,
        shouldRetry: () => signal?.aborted !== true,
        ...(signal === undefined ? {} : { signal }),
      },
    )
  } catch (error) {
    if (error instanceof FailedAttempt) return error.result
    return {
      ok: false,
      latencyMs: last?.latencyMs ?? 0,
      detail: signal?.aborted ? 'aborted' : errorDetail(error),
    }
  }
}

/** Stops a run started by runCancellable; `cancel` is set while an attempt is in flight. */
export interface RunHandle {
  cancelled: boolean
  cancel: (() => void) | undefined
}

/**
 * runProbe for the monitor: cancelled through `handle` (a run then reports `aborted`) rather than with an
 * AbortController per probe. Built-in probes without retries take the lean path of attemptWork.
 */
export function runCancellable(
  probe: Probe,
  target: ProbeTarget,
  options: Omit<RunProbeOptions, 'signal'>,
  handle: RunHandle,
): Promise<ProbeResult> {
  const work = workOf(probe)
  if ((options.retries ?? 0) === 0 && work !== undefined) {
    validate(options.timeoutMs, 0, 0)
    return attemptWork(work, target, options.timeoutMs, undefined, handle)
  }
  const controller = new AbortController()
  handle.cancel = () => controller.abort()
  return runProbe(probe, target, { ...options, signal: controller.signal })
}

function attempt(
  probe: Probe,
  target: ProbeTarget,
  timeoutMs: number,
  outer?: AbortSignal,
): Promise<ProbeResult> {
  if (outer?.aborted) return Promise.resolve({ ok: false, latencyMs: 0, detail: 'aborted' })
  const work = workOf(probe)
  if (work !== undefined) return attemptWork(work, target, timeoutMs, outer)
  const startedAt = performance.now()
  // The outer abort is forwarded by hand, not with AbortSignal.any: a long-lived outer signal would keep every
  // attempt's combined signal alive (nodejs/node#55351), and this listener is removed when the attempt ends.
  const controller = new AbortController()
  const { signal } = controller

  return new Promise((resolve) => {
    let done = false
    let grace: NodeJS.Timeout | undefined
    const settleWith = (ok: boolean, detail: string): void => {
      if (done) return
      done = true
      clearTimeout(deadline)
      clearTimeout(grace)
      outer?.removeEventListener('abort', onOuterAbort)
      resolve({ ok, latencyMs: elapsedMs(startedAt), detail })
    }
    // A probe that ignores its signal is not waited for past a short grace.
    const giveUp = (detail: string): void => {
      grace ??= setTimeout(() => settleWith(false, detail), settleGraceMs)
    }
    const deadline = setTimeout(() => {
      controller.abort(new DOMException('probe timed out', 'TimeoutError'))
      giveUp('timeout')
    }, timeoutMs)
    const onOuterAbort = (): void => {
      clearTimeout(deadline)
      controller.abort(outer?.reason)
      giveUp('aborted')
    }
    outer?.addEventListener('abort', onOuterAbort, { once: true })

    let pending: Promise<ProbeResult>
    try {
      pending = Promise.resolve(probe(target, signal))
    } catch (error) {
      pending = Promise.reject(error)
    }
    pending.then(
      (result) => settleWith(result.ok, !result.ok && outer?.aborted ? 'aborted' : result.detail),
      (error: unknown) => settleWith(false, errorDetail(error)),
    )
  })
}

/**
 * One attempt of a probe made by probeOf: the work reports through `finish`, and the deadline, an outer
 * abort or `handle.cancel` finish it too; every way out runs the work's cleanup at once, so no grace wait.
 */
function attemptWork(
  work: ProbeWork,
  target: ProbeTarget,
  timeoutMs: number,
  outer?: AbortSignal,
  handle?: RunHandle,
): Promise<ProbeResult> {
  const startedAt = performance.now()
  return new Promise((resolve) => {
    let done = false
    let cleanup: (() => void) | undefined
    const finish = (ok: boolean, detail: string): void => {
      if (done) return
      done = true
      clearTimeout(deadline)
      outer?.removeEventListener('abort', onAbort)
      if (handle) handle.cancel = undefined
      cleanup?.()
      resolve({ ok, latencyMs: elapsedMs(startedAt), detail })
    }
    const onAbort = (): void => finish(false, 'aborted')
    const deadline = setTimeout(finish, timeoutMs, false, 'timeout')
    outer?.addEventListener('abort', onAbort, { once: true })
    if (handle) handle.cancel = onAbort
    try {
      cleanup = work(target, finish)
    } catch (error) {
      finish(false, errorDetail(error))
    }
    // `finish` may have run inside the work, before the cleanup existed.
    if (done) cleanup?.()
  })
}

function validate(timeoutMs: number, retries: number, retryDelayMs: number): void {
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new InvalidArgumentError(`timeoutMs: expected a positive number, got ${timeoutMs}`)
  }
  if (!Number.isInteger(retries) || retries < 0) {
    throw new InvalidArgumentError(`retries: expected an integer >= 0, got ${retries}`)
  }
  if (!Number.isFinite(retryDelayMs) || retryDelayMs < 0) {
    throw new InvalidArgumentError(`retryDelayMs: expected a number >= 0, got ${retryDelayMs}`)
  }
}
