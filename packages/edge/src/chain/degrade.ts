import type { Context } from 'hono'
import { writeCopy } from '../cache/write-copy.js'
import type { AttemptsResult } from '../attempts/proxy-attempts.js'
import type { EdgeEnv, StaleCause } from './context.js'
import type { Recorder } from './recorder.js'
import { writeFallback, writeProblem, type EdgeErrorCode } from './respond.js'

export interface DegradeOptions {
  readonly via: string
  readonly debug: () => boolean
  readonly recorder: Recorder
}

/** What could not be served, and the problem the client gets when nothing better is at hand. */
export interface Failure {
  readonly why: Exclude<StaleCause, 'revalidate'>
  readonly status: number
  readonly code: EdgeErrorCode
  /** Extra header pairs of the problem and the fallback (`retry-after` on a shed). */
  readonly extra?: readonly string[] | undefined
  readonly result?: AttemptsResult | undefined
}

/**
 * The degrade ladder, the one place a request the router could not relay is answered: a stale copy the
 * origin (or the route) allows for this failure, else the route's static fallback, else the problem with
 * its stable code. A shed request climbs the same ladder as a failed one.
 */
export function degrade(c: Context<EdgeEnv>, failure: Failure, options: DegradeOptions): void {
  const res = c.env.outgoing
  const requestId = c.get('requestId')
  const { result, status, code } = failure
  const stale = c.get('stale')
  if (stale !== undefined && stale.usableStale(failure.why === 'shed' ? 'shed' : 'error')) {
    const req = c.env.incoming
    writeCopy(res, stale, {
      method: req.method ?? 'GET',
      requestId,
      via: options.via,
      state: 'stale',
      reason: failure.why,
      debug: options.debug(),
    })
    options.recorder.answered(c, { status: stale.status, result, cache: 'stale', staleReason: failure.why })
    return
  }
  const fallback = c.get('route').route.fallback
  if (fallback !== undefined && status !== 413) {
    writeFallback(res, fallback, code, requestId, failure.extra)
    options.recorder.answered(c, { status: fallback.status, code, result, fallback: true })
    return
  }
  writeProblem(res, status, code, requestId, undefined, failure.extra)
  options.recorder.answered(c, { status, code, result })
}
