import type { Clock } from '@nines/core'
import type { Context } from 'hono'
import type { AttemptsResult } from '../attempts/proxy-attempts.js'
import type { EdgeEnv, RequestRecord, StaleCause } from './context.js'
import type { EdgeErrorCode } from './respond.js'

/** How a request was answered, as the stage that answered it knows it. */
export interface Answer {
  /** The status the client got; 0 when it left before any. */
  readonly status: number
  readonly code?: EdgeErrorCode | undefined
  /** The retry loop's result, when the request got that far. */
  readonly result?: AttemptsResult | undefined
  readonly cache?: 'hit' | 'stale' | undefined
  readonly staleReason?: StaleCause | undefined
  readonly fallback?: boolean | undefined
}

/** Turns the end of each request into one `RequestRecord` for the daemon's metrics and access log. */
export class Recorder {
  readonly #clock: Clock
  readonly #onDone: ((record: RequestRecord) => void) | undefined

  constructor(clock: Clock, onDone?: (record: RequestRecord) => void) {
    this.#clock = clock
    this.#onDone = onDone
  }

  missed(c: Context<EdgeEnv>, status: number, code: EdgeErrorCode): void {
    this.answered(c, { status, code })
  }

  proxied(
    c: Context<EdgeEnv>,
    result: AttemptsResult,
    code: EdgeErrorCode | undefined,
    status: number,
  ): void {
    this.answered(c, { status, code, result })
  }

  answered(c: Context<EdgeEnv>, answer: Answer): void {
    if (this.#onDone === undefined) return
    const req = c.env.incoming
    const route = c.get('route') as EdgeEnv['Variables']['route'] | undefined
    const result = answer.result
    this.#onDone({
      requestId: c.get('requestId'),
      method: req.method ?? 'GET',
      host: req.headers.host ?? '',
      path: req.url ?? '/',
      remoteAddress: req.socket.remoteAddress,
      route: route?.route.name,
      class: (c.get('class') as string | undefined) ?? route?.route.class,
      pool: route?.pool.name,
      status: answer.status,
      endpoint: result?.endpoint,
      attempts: result?.attempts ?? 0,
      retries: result?.retries ?? [],
      code: answer.code,
      incomplete:
        result === undefined ? false : result.served ? !result.complete : result.reason === 'client-closed',
      durationMs: this.#clock.now() - c.get('arrival'),
      upstreamMs: result?.served === true ? result.upstreamMs : undefined,
      panic: route?.pool.view.panic ?? false,
      cache: answer.cache,
      staleReason: answer.staleReason,
      fallback: answer.fallback ?? false,
      shed: c.get('shed') as EdgeEnv['Variables']['shed'],
      queuedMs: (c.get('queuedMs') as number | undefined) ?? 0,
    })
  }
}
