import type { ProbeResult } from '@nines/core'
import type { Probe, ProbeTarget } from '../probe.js'
import { errorDetail, shortDetail } from './detail.js'
import { settle } from './settle.js'

/** A user's own check: `true`/`false`, or a partial result. */
export type CustomProbeFunction = (
  target: ProbeTarget,
  signal: AbortSignal,
) => Promise<boolean | Partial<ProbeResult>>

/**
 * Wraps a user function as a probe. `true` reports `ok`, `false` reports `failed`; a partial result counts as
 * a success only when it says `ok: true` (fail closed) and keeps its own detail (cut to one short line) and
 * latency. A throw becomes `{ ok: false, detail: <short message> }`, and an abort resolves `timeout` even if
 * the function ignores the signal.
 */
export function customProbe(fn: CustomProbeFunction): Probe {
  return async (target, signal) => {
    let reportedMs: number | undefined
    const result = await settle(signal, (finish) => {
      // A synchronous throw is caught by settle.
      Promise.resolve(fn(target, signal))
        .then((value) => {
          if (typeof value === 'boolean') return finish(value, value ? 'ok' : 'failed')
          const ok = value.ok === true
          if (Number.isFinite(value.latencyMs) && (value.latencyMs ?? -1) >= 0) reportedMs = value.latencyMs
          finish(ok, value.detail === undefined ? (ok ? 'ok' : 'failed') : shortDetail(value.detail))
        })
        .catch((error: unknown) => finish(false, errorDetail(error)))
      // The function owns its resources; it is told to stop through `signal`.
      return () => {}
    })
    return reportedMs === undefined ? result : { ...result, latencyMs: reportedMs }
  }
}
