import type { RouteMiss } from './table.js'

export interface MissResponse {
  readonly status: 404 | 421
  readonly contentType: 'text/plain; charset=utf-8'
  readonly body: string
}

// 421 Misdirected Request (RFC 9110 §15.5.20): this router does not serve the host, so a client that
// coalesced connections or followed a stale DNS answer may retry elsewhere. Never 5xx: nothing failed.
// The bodies do not echo the host or path, so nothing a client sends is reflected.
const RESPONSES: Readonly<Record<RouteMiss, MissResponse>> = {
  'unknown-host': Object.freeze({
    status: 421,
    contentType: 'text/plain; charset=utf-8',
    body: 'This host is not served here.\n',
  }),
  'no-route': Object.freeze({
    status: 404,
    contentType: 'text/plain; charset=utf-8',
    body: 'Not found.\n',
  }),
}

/** The response for a request no route serves: 421 for an unknown host, 404 for no route. */
export function missResponse(miss: RouteMiss): MissResponse {
  return RESPONSES[miss]
}
