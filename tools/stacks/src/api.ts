/**
 * The self-service API's pure data: account books, JSON shapes, input checks and the statement's bytes.
 * Parsing, routing, streaming and writing stay in each stack's own code, so a bug there is not shared.
 * State is per process: every endpoint keeps its own books.
 */
import type { Reply } from './mode.js'

/** Allowed method of each API path, for 405 `Allow`; any other `/api/*` path is 404. */
export const API_ROUTES: Readonly<Record<string, string>> = {
  '/api/balance': 'GET',
  '/api/topup': 'POST',
  '/api/usage': 'GET',
  '/api/statement': 'GET',
  '/api/events': 'GET',
}

/** 404 for an unknown `/api/*` path, 405 (with `Allow`) for a wrong method, else `undefined`. */
export function apiRouteError(method: string, path: string): Reply | undefined {
  const allowed = API_ROUTES[path]
  if (allowed === undefined) return json(404, { error: 'unknown API path', path })
  if (method !== allowed)
    return { ...json(405, { error: `use ${allowed}`, path }), headers: { allow: allowed } }
  return undefined
}

/** Account data: never stored by a shared cache, so a router never serves one account's copy stale. */
export const NO_STORE = { 'cache-control': 'no-store' } as const

export function json(status: number, body: unknown): Reply {
  return { status, body: JSON.stringify(body), headers: { ...NO_STORE } }
}

const badField = (field: string, reason: string): Reply => json(400, { error: reason, field })

const ACCOUNT = /^[A-Za-z0-9_-]{1,32}$/
/** `?account=` of a GET: 1–32 letters, digits, `_` or `-`. */
export function accountOf(url: URL): string | Reply {
  const account = url.searchParams.get('account')
  if (account === null || !ACCOUNT.test(account))
    return badField('account', 'account must be 1-32 of [A-Za-z0-9_-]')
  return account
}

/** A small deterministic number from a string (FNV-1a), so usage and opening balances repeat. */
function hash(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0
  return h
}

export interface Topup {
  account: string
  amountCents: number
  requestId: string
}

/** The body of `POST /api/topup`: `{ account, amountCents (1..1e7 integer), requestId (1-128 chars) }`. */
export function parseTopup(text: string): Topup | Reply {
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return badField('body', 'body must be JSON')
  }
  if (typeof body !== 'object' || body === null) return badField('body', 'body must be a JSON object')
  const { account, amountCents, requestId } = body as Record<string, unknown>
  if (typeof account !== 'string' || !ACCOUNT.test(account))
    return badField('account', 'account must be 1-32 of [A-Za-z0-9_-]')
  if (
    typeof amountCents !== 'number' ||
    !Number.isSafeInteger(amountCents) ||
    amountCents < 1 ||
    amountCents > 1e7
  )
    return badField('amountCents', 'amountCents must be an integer 1..10000000')
  if (typeof requestId !== 'string' || requestId.length < 1 || requestId.length > 128)
    return badField('requestId', 'requestId must be a string of 1-128 characters')
  return { account, amountCents, requestId }
}

/** Top-ups kept per request id at most; the oldest ids are forgotten beyond it (bounded memory). */
export const MAX_REQUEST_IDS = 100_000

/**
 * One endpoint's books. Top-ups are NOT idempotent on purpose: each applied one counts against its
 * request id, so a duplicate (a retrying proxy sending it twice) shows in `duplicates`.
 */
export class Books {
  private readonly balances = new Map<string, number>()
  private readonly byRequest = new Map<string, number>()
  applied = 0

  balance(account: string): number {
    return this.balances.get(account) ?? 1000 + (hash(account) % 9000)
  }

  apply(topup: Topup): { applied: number; balanceCents: number } {
    const balanceCents = this.balance(topup.account) + topup.amountCents
    this.balances.set(topup.account, balanceCents)
    this.applied++
    const applied = (this.byRequest.get(topup.requestId) ?? 0) + 1
    this.byRequest.delete(topup.requestId)
    this.byRequest.set(topup.requestId, applied)
    if (this.byRequest.size > MAX_REQUEST_IDS)
      this.byRequest.delete(this.byRequest.keys().next().value as string)
    return { applied, balanceCents }
  }

  /** What `GET /__nines/topups` answers. */
  summary(): { applied: number; duplicates: string[]; byRequest: Record<string, number> } {
    const duplicates = [...this.byRequest].filter(([, n]) => n > 1).map(([id]) => id)
    return { applied: this.applied, duplicates, byRequest: Object.fromEntries(this.byRequest) }
  }
}

export function balanceBody(stack: string, name: string, books: Books, account: string) {
  return { stack, name, account, balanceCents: books.balance(account), currency: 'EUR' }
}

/** Usage this month, deterministic from the account. */
export function usageBody(stack: string, name: string, account: string) {
  const h = hash(account)
  return { stack, name, account, dataMB: h % 20_000, minutes: (h >>> 8) % 1000, sms: (h >>> 16) % 300 }
}

/** `GET /api/statement` is exactly 1 MiB: 16 384 lines of 64 bytes, in chunks of 256 lines (16 KiB). */
export const STATEMENT_BYTES = 1_048_576
export const STATEMENT_LINE_BYTES = 64
export const STATEMENT_CHUNKS = 64
const LINES_PER_CHUNK = STATEMENT_BYTES / STATEMENT_LINE_BYTES / STATEMENT_CHUNKS

/** Line `i` (0-based): `i` zero-padded, the account, an amount derived from both, space-padded to 63 + `\n`. */
export function statementLine(account: string, i: number): string {
  const amount = (hash(account) + i * 7919) % 100_000
  return `${String(i).padStart(8, '0')},${account},${amount}`.padEnd(STATEMENT_LINE_BYTES - 1, ' ') + '\n'
}

/** Chunk `n` (0..63) of the statement; each stack streams these with its own backpressure. */
export function statementChunk(account: string, n: number): Buffer {
  let text = ''
  for (let i = n * LINES_PER_CHUNK; i < (n + 1) * LINES_PER_CHUNK; i++) text += statementLine(account, i)
  return Buffer.from(text, 'latin1')
}
