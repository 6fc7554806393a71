import { randomUUID } from 'node:crypto'

/** The header that carries the request id, both upstream and back to the client. */
export const requestIdHeader = 'x-request-id'

const sane = /^[\w\-.=:]{1,200}$/

/**
 * The request's id: the incoming `x-request-id` when it is sane (1..200 characters of `[A-Za-z0-9_\-.=:]`),
 * a fresh UUID otherwise (absent, too long, or with characters that could forge log lines or headers).
 */
export function requestIdOf(incoming: string | readonly string[] | undefined): string {
  const value = typeof incoming === 'string' ? incoming : incoming?.[0]
  return value !== undefined && sane.test(value) ? value : randomUUID()
}
