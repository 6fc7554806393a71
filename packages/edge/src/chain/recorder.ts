import type { Clock } from '@nines/core'
import type { Context } from 'hono'
import type { AttemptsResult } from '../attempts/proxy-attempts.js'
import type { EdgeEnv, RequestRecord } from './context.js'
import type { EdgeErrorCode } from './respond.js'

/** Turns the end of each request into one `RequestRecord` for the daemon's metrics and access log. */
export class Recorder {
  readonly #clock: Clock
  readonly #onDone: ((record: RequestRecord) => void) | undefined

  constructor(clock: Clock, onDone?: (record: RequestRecord) => void) {
    this.#clock = clock
    this.#onDone = onDone
  }

  missed(c: Context<EdgeEnv>, status: number, code: EdgeErrorCode): void {
    if (this.#onDone === undefined) return
    this.#onDone(
      this.#record(c, { status, code, endpoint: undefined, attempts: 0, retries: [], upstreamMs: undefined }),
    )
  }

  proxied(
    c: Context<EdgeEnv>,
    result: AttemptsResult,
    code: EdgeErrorCode | undefined,
    status: number,
  ): void {
    if (this.#onDone === undefined) return
    this.#onDone(
      this.#record(c, {
        status,
        code,
        endpoint: result.endpoint,
        attempts: result.attempts,
        retries: result.retries,
        upstreamMs: result.served ? result.upstreamMs : undefined,
        incomplete: result.served ? !result.complete : result.reason === 'client-closed',
      }),
    )
  }

  #record(
    c: Context<EdgeEnv>,
    r: Pick<RequestRecord, 'status' | 'code' | 'endpoint' | 'attempts' | 'retries' | 'upstreamMs'> & {
      incomplete?: boolean
    },
  ): RequestRecord {
    const req = c.env.incoming
    const route = c.get('route') as EdgeEnv['Variables']['route'] | undefined
    return {
      requestId: c.get('requestId'),
      method: req.method ?? 'GET',
      host: req.headers.host ?? '',
      path: req.url ?? '/',
      remoteAddress: req.socket.remoteAddress,
      route: route?.route.name,
      class: route?.route.class,
      pool: route?.pool.name,
      status: r.status,
      endpoint: r.endpoint,
      attempts: r.attempts,
      retries: r.retries,
      code: r.code,
      incomplete: r.incomplete ?? false,
      durationMs: this.#clock.now() - c.get('arrival'),
      upstreamMs: r.upstreamMs,
      panic: route?.pool.view.panic ?? false,
    }
  }
}
