import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Clock, Rng } from '@nines/core'
import type { Dispatcher } from 'undici'
import type { Balancer } from '../balance/types.js'
import type { Ejector } from '../eject/ejector.js'
import { attemptOutcome, type AttemptResult } from '../eject/outcome.js'
import { bodyReplayable, readRequestBody } from '../proxy/body.js'
import { forward, type ForwardResult } from '../proxy/forward.js'
import { upstreamRequestHeaders } from '../proxy/headers.js'
import type { ResponseTap } from '../proxy/tap.js'
import type { RetryBudget } from '../retry/budget.js'
import type { RetryOptions } from '../retry/options.js'
import { isIdempotent, shouldRetry, type GiveUpReason, type RetryReason } from '../retry/should-retry.js'

/** What the loop needs of one (route, pool): the pool's stages and one undici pool per endpoint id. */
export interface AttemptsPool {
  readonly balancer: Balancer
  readonly ejector: Ejector
  readonly budget: RetryBudget
  /** `createUpstreamPool(…)` per endpoint id. A picked endpoint without one is skipped (never sent to). */
  readonly upstreams: ReadonlyMap<string, Dispatcher>
}

export interface AttemptsInput {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  /** The matched route's `timeouts` and `retry` (`routeSchema` output). */
  readonly route: {
    readonly timeouts: { readonly perTryMs: number; readonly overallMs: number }
    readonly retry: RetryOptions
  }
  readonly pool: AttemptsPool
  readonly clock: Clock
  /** Backoff jitter; without it the backoff is not randomised. */
  readonly rng?: Rng | undefined
  /** `requestIdOf(req.headers['x-request-id'])`. */
  readonly requestId: string
  /** `viaValue(instance)`. */
  readonly via: string
  /** Whether the peer's forwarding headers are believed (`compileCidrs(trustedProxies)(peer)`). */
  readonly trusted?: boolean | undefined
  readonly proto?: 'http' | 'https' | undefined
  /** Epoch ms; default: now + `route.timeouts.overallMs` (pass the request's arrival + overallMs). */
  readonly deadline?: number | undefined
  /** The hash key for `hash` balancing. */
  readonly hashKey?: string | undefined
  /** `debugHeaders`: `x-nines-endpoint` and `x-nines-attempts` on the relayed response. */
  readonly debug?: boolean | undefined
  /** The edge's `limits.maxBodyBytes`: a larger request body ends with `body-too-large` (413). */
  readonly maxBodyBytes?: number | undefined
  /** Sees the relayed response (the cache's writer). */
  readonly tap?: ResponseTap | undefined
  /**
   * Statuses never relayed, on any attempt, because the caller has something better (a usable stale
   * copy): such a response is drained and the loop gives up with it as `lastOutcome: 'status'`.
   */
  readonly replaceStatus?: ((status: number) => boolean) | undefined
}

/** Why the loop gave up without a relayed response. */
export type AttemptsGiveUp = GiveUpReason | 'no-endpoint' | 'budget-exhausted'

/**
 * How the request ended. `served`: an upstream's response was relayed (`complete: false` when it broke
 * mid-body: the client's connection was destroyed). Not served: the outermost stage answers `status`
 * (with the request id), except on `client-closed`, where nobody is left to answer.
 */
export type AttemptsResult =
  | {
      readonly served: true
      readonly attempts: number
      readonly endpoint: string
      readonly status: number
      readonly complete: boolean
      /** The serving attempt, from sending to the end of its response (or its break). */
      readonly upstreamMs: number
      /** Why each earlier attempt was retried, in order (metrics, logs). */
      readonly retries: readonly RetryReason[]
    }
  | {
      readonly served: false
      readonly attempts: number
      readonly reason: AttemptsGiveUp
      readonly status: 502 | 503 | 504
      /** The last attempt's endpoint and outcome, when there was one. */
      readonly endpoint: string | undefined
      readonly lastOutcome: AttemptResult | undefined
      readonly retries: readonly RetryReason[]
    }
  | {
      /**
       * The request body passed `maxBodyBytes`: answer 413 with `Connection: close`, unless
       * `res.headersSent` (an upstream answered before the body ended; its response was cut and the
       * client's connection destroyed).
       */
      readonly served: false
      readonly attempts: number
      readonly reason: 'body-too-large'
      readonly status: 413
      readonly endpoint: string | undefined
      readonly lastOutcome: undefined
      readonly retries: readonly RetryReason[]
    }
  | {
      readonly served: false
      readonly attempts: number
      readonly reason: 'client-closed'
      readonly status: undefined
      readonly endpoint: string | undefined
      readonly lastOutcome: undefined
      readonly retries: readonly RetryReason[]
    }

const isGatewayStatus = (status: number): boolean => status === 502 || status === 503 || status === 504

/** The status the edge answers for an attempt that failed with nothing relayed. */
function giveUpStatus(result: ForwardResult | undefined): 502 | 503 | 504 {
  if (result === undefined) return 503 // nothing could be tried
  if (result.outcome === 'status')
    return isGatewayStatus(result.status) ? (result.status as 502 | 503 | 504) : 502
  return result.outcome === 'per-try-timeout' ? 504 : 502
}

/** p-retry's backoff without p-retry: min(maxMs, minMs × factor^(retry−1)), × [1, 2) with an `rng`. */
export function backoffMs(retry: number, backoff: RetryOptions['backoff'], rng?: Rng): number {
  const base = backoff.minMs * backoff.factor ** (retry - 1)
  return Math.min(backoff.maxMs, rng === undefined ? base : base * (1 + rng.next()))
}

function sleep(clock: Clock, ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => clock.setTimeout(resolve, ms))
}

/**
 * The retry loop of one request, a plain `for` loop over `forward`: body and headers once, then per
 * attempt pick (excluding tried endpoints and stacks), forward, observe, decide. Never writes an error
 * response itself: a result that is not `served` tells the outermost stage what to answer.
 */
export async function proxyAttempts(input: AttemptsInput): Promise<AttemptsResult> {
  const { req, res, route, pool, clock, requestId, via } = input
  const { retry } = route
  const deadline = input.deadline ?? clock.now() + route.timeouts.overallMs
  const method = req.method ?? 'GET'
  const idempotent = isIdempotent(method, retry)
  const retries: RetryReason[] = []

  const headers = upstreamRequestHeaders({
    rawHeaders: req.rawHeaders,
    peerAddress: req.socket.remoteAddress,
    trusted: input.trusted ?? false,
    proto: input.proto ?? 'http',
    requestId,
    via,
  })
  const read = readRequestBody(req, retry.replayBodyLimitBytes, input.maxBodyBytes)
  const body = read instanceof Promise ? await read : read // no body: no promise turn
  if (body.kind === 'client-closed') return clientClosed(0, undefined, retries)
  if (body.kind === 'too-large') return tooLarge(0, undefined, retries)
  const replayable = bodyReplayable(body)
  // A held status can be retried only if the request is idempotent and its body can be sent again.
  const mayHold = idempotent && replayable

  // What earlier attempts picked, excluded from the next pick: made on a second pick, which most requests never need.
  const pick: { key: string | undefined; exclude?: Set<string>; avoidStacks?: Set<string> } = {
    key: input.hashKey,
  }
  let picked: { readonly id: string; readonly labels: { readonly stack?: string } } | undefined

  pool.budget.requestStarted()
  let heldBudget = false // a budget place held by the retry about to run
  let attempts = 0
  let last: ForwardResult | undefined
  let lastEndpoint: string | undefined
  try {
    for (;;) {
      if (picked !== undefined) {
        ;(pick.exclude ??= new Set()).add(picked.id)
        if (picked.labels.stack !== undefined) (pick.avoidStacks ??= new Set()).add(picked.labels.stack)
      }
      const candidate = pool.balancer.pick(pick)
      if (candidate === undefined) return gaveUp('no-endpoint')
      picked = candidate.endpoint
      const endpointId = picked.id
      const upstream = pool.upstreams.get(endpointId)
      if (upstream === undefined) continue

      attempts++
      lastEndpoint = endpointId
      const started = clock.now()
      const canRetryAfter = mayHold && attempts < retry.maxAttempts && started < deadline
      const replace = input.replaceStatus
      candidate.outstanding++
      let result: ForwardResult
      try {
        result = await forward({
          pool: upstream,
          req,
          res,
          headers,
          body,
          requestId,
          via,
          perTryTimeoutMs: Math.max(1, Math.min(route.timeouts.perTryMs, deadline - started)),
          holdStatus:
            replace === undefined
              ? canRetryAfter
                ? isGatewayStatus
                : undefined
              : (status) => replace(status) || (canRetryAfter && isGatewayStatus(status)),
          debug: input.debug === true ? { endpoint: endpointId, attempts } : undefined,
          maxBodyBytes: input.maxBodyBytes,
          tap: input.tap,
        })
      } finally {
        candidate.outstanding--
        if (heldBudget) {
          pool.budget.release()
          heldBudget = false
        }
      }
      last = result
      if (result.outcome === 'client-closed') return clientClosed(attempts, endpointId, retries)
      if (result.outcome === 'too-large') return tooLarge(attempts, endpointId, retries)
      const now = clock.now()
      pool.ejector.observe({
        endpointId,
        outcome: attemptOutcome(result.outcome, result.status),
        latencyMs: now - started,
      })
      if (result.responseStarted) {
        return {
          served: true,
          attempts,
          endpoint: endpointId,
          status: result.status,
          complete: result.complete,
          upstreamMs: now - started,
          retries,
        }
      }
      const decision = shouldRetry({
        method,
        idempotent,
        bodyReplayable: replayable,
        bytesSentUpstream: result.bytesSent,
        failure: result.outcome,
        status: result.status,
        retryAfter: result.retryAfter,
        attempt: attempts,
        maxAttempts: retry.maxAttempts,
        deadline,
        now,
      })
      if (!decision.retry) return gaveUp(decision.reason)
      // `forward` marks a streamed body used at dispatch, so it is never sent again, even after a connect failure.
      if (body.kind === 'stream' && body.used) return gaveUp('body-not-replayable')
      const wait =
        decision.delayMs > 0 ? decision.delayMs : backoffMs(retries.length + 1, retry.backoff, input.rng)
      if (clock.now() + wait >= deadline) return gaveUp('deadline')
      // Over budget, the retry queues for a place; its wait counts toward the backoff.
      const queued = clock.now()
      if (!(await pool.budget.acquire(clock, deadline - queued - wait))) return gaveUp('budget-exhausted')
      heldBudget = true
      retries.push(decision.reason)
      await sleep(clock, wait - (clock.now() - queued))
      if (res.destroyed) return clientClosed(attempts, endpointId, retries)
    }
  } finally {
    if (heldBudget) pool.budget.release()
    pool.budget.requestFinished()
  }

  function gaveUp(reason: AttemptsGiveUp): AttemptsResult {
    return {
      served: false,
      attempts,
      reason,
      status: giveUpStatus(last),
      endpoint: lastEndpoint,
      lastOutcome: last?.outcome as AttemptResult | undefined, // the loop returned on the others
      retries,
    }
  }
}

function tooLarge(attempts: number, endpoint: string | undefined, retries: RetryReason[]): AttemptsResult {
  return {
    served: false,
    attempts,
    reason: 'body-too-large',
    status: 413,
    endpoint,
    lastOutcome: undefined,
    retries,
  }
}

function clientClosed(
  attempts: number,
  endpoint: string | undefined,
  retries: RetryReason[],
): AttemptsResult {
  return {
    served: false,
    attempts,
    reason: 'client-closed',
    status: undefined,
    endpoint,
    lastOutcome: undefined,
    retries,
  }
}
