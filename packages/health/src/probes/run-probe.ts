import { InvalidArgumentError, type ProbeResult } from '@nines/core'
import pRetry from 'p-retry'
import type { Probe, ProbeTarget } from '../probe.js'
import { errorDetail } from './detail.js'
import { elapsedMs } from './settle.js'

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

function attempt(
  probe: Probe,
  target: ProbeTarget,
  timeoutMs: number,
  outer?: AbortSignal,
): Promise<ProbeResult> {
  const startedAt = performance.now()
  if (outer?.aborted) return Promise.resolve({ ok: false, latencyMs: 0, detail: 'aborted' })
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
