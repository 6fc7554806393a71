// What one request came to, as a user of the app sees it.
import type { RequestClass } from './requests.js'

export type Result = 'ok' | 'stale' | 'shed' | 'failed'

export interface Outcome {
  /** Start, epoch ms. */
  at: number
  /** Until the whole body was read or the request failed, retry included. */
  ms: number
  class: RequestClass
  /** `balance`, `usage`, `topup`, `home`, `statement`, `cms-faq` */
  name: string
  method: string
  status?: number
  /** The error code or message of the last attempt, or why the status counts as failed. */
  error?: string
  /** stale: `x-nines-cache: stale…`; shed: 503 with `x-nines-error: NINES_ERR_SHED`. */
  result: Result
  /** The router that answered, from its `Via` (`1.1 edge1`). */
  edge?: string
  /** The stack that served it (`x-nines-endpoint`, only when the routers have `debugHeaders: true`). */
  endpoint?: string
  /** Sent a second time after a connection error. */
  retried: boolean
  /** A top-up's request id (the demo stacks count applied top-ups by it). */
  requestId?: string
}

export function resultOf(status: number, headers: Record<string, string | string[] | undefined>): Result {
  const header = (name: string) => {
    const value = headers[name]
    return Array.isArray(value) ? value.join(', ') : (value ?? '')
  }
  if (header('x-nines-cache').startsWith('stale')) return 'stale'
  if (status === 503 && header('x-nines-error').includes('NINES_ERR_SHED')) return 'shed'
  return status >= 200 && status < 400 ? 'ok' : 'failed'
}

/** `1.1 edge1` → `edge1`; the last hop named. */
export function edgeOf(via: string | string[] | undefined): string | undefined {
  const text = Array.isArray(via) ? via.join(', ') : via
  const last = text?.split(',').pop()?.trim().split(/\s+/)[1]
  return last || undefined
}

/** Codes of a failed connection (refused, reset, closed before or while answering). */
const connectionCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
])
/** Nothing of the request left the client: safe to send even a POST again. */
const notSentCodes = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH'])

/** The error's code; Node's happy eyeballs reports every address's failure in an AggregateError. */
export function errorCode(error: unknown): string {
  const e = error as { code?: string; name?: string; message?: string; errors?: unknown[]; cause?: unknown }
  if (typeof e?.code === 'string' && e.code !== '') return e.code
  if (Array.isArray(e?.errors) && e.errors.length > 0) return errorCode(e.errors[e.errors.length - 1])
  if (e?.cause !== undefined && e.cause !== error) return errorCode(e.cause)
  return e?.name === 'TimeoutError' || e?.name === 'AbortError' ? 'TIMEOUT' : (e?.message ?? String(error))
}

export const isConnectionError = (code: string) => connectionCodes.has(code)
export const isNotSent = (code: string) => notSentCodes.has(code)
