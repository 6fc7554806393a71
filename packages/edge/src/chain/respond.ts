import type { ServerResponse } from 'node:http'
import type { AttemptsResult } from '../attempts/proxy-attempts.js'
import { requestIdHeader } from '../proxy/request-id.js'
import type { Fallback } from '../routes/route-schema.js'

/** The header that carries a stable error code on every response the router makes up itself. */
export const errorCodeHeader = 'x-nines-error'

/** A request the router answered itself: why, for the header, logs and metrics. */
export type EdgeErrorCode =
  | 'NINES_ERR_UNKNOWN_HOST'
  | 'NINES_ERR_NO_ROUTE'
  | 'NINES_ERR_NO_ENDPOINT'
  | 'NINES_ERR_UPSTREAM_CONNECT'
  | 'NINES_ERR_UPSTREAM_TIMEOUT'
  | 'NINES_ERR_UPSTREAM_RESET'
  | 'NINES_ERR_UPSTREAM_STATUS'
  | 'NINES_ERR_DEADLINE'
  | 'NINES_ERR_RETRY_BUDGET'
  | 'NINES_ERR_BODY_TOO_LARGE'
  | 'NINES_ERR_SHED'
  | 'NINES_ERR_INTERNAL'

const bodies: Record<number, string> = {
  413: 'Request body too large.\n',
  500: 'Internal error.\n',
  502: 'Bad gateway: no upstream answered.\n',
  503: 'Service unavailable: no upstream can take the request.\n',
  504: 'Gateway timeout: no upstream answered in time.\n',
}

/** The code for a request the retry loop could not serve: what went wrong last, not how often. */
export function giveUpCode(result: Extract<AttemptsResult, { served: false }>): EdgeErrorCode {
  if (result.status === 413) return 'NINES_ERR_BODY_TOO_LARGE'
  if (result.reason === 'no-endpoint' && result.attempts === 0) return 'NINES_ERR_NO_ENDPOINT'
  if (result.reason === 'budget-exhausted') return 'NINES_ERR_RETRY_BUDGET'
  if (result.reason === 'deadline') return 'NINES_ERR_DEADLINE'
  switch (result.lastOutcome) {
    case 'connect-refused':
    case 'connect-timeout':
      return 'NINES_ERR_UPSTREAM_CONNECT'
    case 'per-try-timeout':
      return 'NINES_ERR_UPSTREAM_TIMEOUT'
    case 'reset':
      return 'NINES_ERR_UPSTREAM_RESET'
    case 'status':
      return 'NINES_ERR_UPSTREAM_STATUS'
    default:
      return 'NINES_ERR_NO_ENDPOINT'
  }
}

/**
 * The one place an error response is written (502/503/504, 413, 421/404 misses): a short plain body,
 * the stable code and the request id, so a client's report can be found in the router's logs. Written to
 * Node's raw response; nothing is written when a response has already started.
 */
export function writeProblem(
  res: ServerResponse,
  status: number,
  code: EdgeErrorCode,
  requestId: string,
  body: string = bodies[status] ?? `${status}\n`,
  extra: readonly string[] = [],
): void {
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, [
    'content-type',
    'text/plain; charset=utf-8',
    'content-length',
    String(Buffer.byteLength(body)),
    'cache-control',
    'no-store',
    errorCodeHeader,
    code,
    requestIdHeader,
    requestId,
    ...extra,
  ])
  res.end(body)
}

/** A route's configured fallback, sent instead of a 5xx when nothing can serve it. */
export function writeFallback(
  res: ServerResponse,
  fallback: Fallback,
  code: EdgeErrorCode,
  requestId: string,
  extra: readonly string[] = [],
): void {
  if (res.headersSent || res.destroyed) return
  const headers: string[] = []
  for (const [name, value] of Object.entries(fallback.headers)) headers.push(name, value)
  if (!('content-type' in lower(fallback.headers))) headers.push('content-type', 'text/plain; charset=utf-8')
  headers.push('content-length', String(Buffer.byteLength(fallback.body)))
  headers.push(errorCodeHeader, code, requestIdHeader, requestId, ...extra)
  res.writeHead(fallback.status, headers)
  res.end(fallback.body)
}

function lower(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
}
