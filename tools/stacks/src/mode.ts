/** What a demo endpoint is doing now; switched at run time over HTTP so failures can be staged. */
export type Mode = 'ok' | 'fail' | 'hang' | 'slow' | 'flap'

export interface Behaviour {
  mode: Mode
  /** Extra latency while `slow`. */
  delayMs: number
  /** Only paths starting with this prefix get the fault; others answer as if `ok`. */
  route?: string
  /** While `flap`: ok for `periodMs`, then 503 for `periodMs`, and so on from `since`. */
  periodMs?: number
  since?: number
}

/** What a request to `path` gets right now: the mode, unless routed elsewhere; `flap` resolves to ok|fail. */
export function modeFor(behaviour: Behaviour, path: string): Exclude<Mode, 'flap'> {
  if (behaviour.route !== undefined && !path.startsWith(behaviour.route)) return 'ok'
  if (behaviour.mode !== 'flap') return behaviour.mode
  const phase = Math.floor((Date.now() - (behaviour.since ?? 0)) / (behaviour.periodMs ?? 1000))
  return phase % 2 === 0 ? 'ok' : 'fail'
}

export const CONTROL_PREFIX = '/__nines/'

export interface Reply {
  status: number
  body: string
  /** Extra response headers, e.g. `allow` on a 405. */
  headers?: Record<string, string>
  /** Answer first, then exit: the caller sees the crash was accepted. */
  crash?: boolean
}

/** A reply for an application request, after the behaviour's delay; `undefined` means never answer. */
export async function appReply(
  stack: string,
  name: string,
  path: string,
  behaviour: Behaviour,
): Promise<Reply | undefined> {
  const gate = await streamGate(stack, name, behaviour, path)
  if (gate !== 'open') return gate
  const body =
    path === '/health' || path === '/healthz'
      ? { status: 'ok', stack, name }
      : { stack, name, path, at: new Date().toISOString() }
  // A health answer describes this moment: no cache may keep it (a router would serve it stale).
  return path === '/health' || path === '/healthz'
    ? { status: 200, body: JSON.stringify(body), headers: { 'cache-control': 'no-store' } }
    : { status: 200, body: JSON.stringify(body) }
}

/**
 * Control requests: `POST /__nines/mode?set=fail|hang|slow|flap|ok[&delayMs=N][&periodMs=N][&route=/prefix]`,
 * `POST /__nines/crash`, and `GET /__nines/topups` (the books' top-up counts, when the endpoint keeps books).
 */
export function controlReply(method: string, url: URL, behaviour: Behaviour, topups?: () => unknown): Reply {
  const action = url.pathname.slice(CONTROL_PREFIX.length)
  if (action === 'topups' && topups) {
    if (method !== 'GET') return { status: 405, body: '{"error":"use GET"}', headers: { allow: 'GET' } }
    return { status: 200, body: JSON.stringify(topups()) }
  }
  if (method !== 'POST') return { status: 405, body: '{"error":"use POST"}' }
  if (action === 'crash') return { status: 202, body: '{"crashing":true}', crash: true }
  if (action !== 'mode') return { status: 404, body: '{"error":"unknown control"}' }
  const set = url.searchParams.get('set')
  if (set !== 'ok' && set !== 'fail' && set !== 'hang' && set !== 'slow' && set !== 'flap') {
    return { status: 400, body: '{"error":"set must be ok, fail, hang, slow or flap","field":"set"}' }
  }
  const route = url.searchParams.get('route')
  if (route !== null && !route.startsWith('/'))
    return { status: 400, body: '{"error":"route must be a path prefix starting with /","field":"route"}' }
  const periodMs = Number(url.searchParams.get('periodMs') ?? 1000)
  if (set === 'flap' && !(Number.isFinite(periodMs) && periodMs >= 10))
    return { status: 400, body: '{"error":"periodMs must be a number >= 10","field":"periodMs"}' }
  // Every set starts from a clean slate: `set=ok` (no route) clears route and flap too.
  delete behaviour.route
  delete behaviour.periodMs
  delete behaviour.since
  behaviour.mode = set
  if (route !== null && set !== 'ok') behaviour.route = route
  if (set === 'flap') {
    behaviour.periodMs = periodMs
    behaviour.since = Date.now()
  }
  const delayMs = Number(url.searchParams.get('delayMs') ?? behaviour.delayMs)
  if (Number.isFinite(delayMs) && delayMs >= 0) behaviour.delayMs = delayMs
  return { status: 200, body: JSON.stringify(behaviour) }
}

/** Counts what is open right now, so tests (and operators) can see that nothing leaks after a client goes. */
export class Live {
  /** Server-sent event streams whose timers are running. */
  events = 0
  /** Open `/chat` WebSocket connections. */
  chats = 0
  /** `/api/statement` bodies being written. */
  statements = 0

  /** Counts one more; the returned release counts it down once, however often it is called. */
  open(kind: 'events' | 'chats' | 'statements'): () => void {
    this[kind]++
    let released = false
    return () => {
      if (released) return
      released = true
      this[kind]--
    }
  }
}

/** The `retry:` hint sent at the start of every event stream, in milliseconds. */
export const EVENTS_RETRY_MS = 2000
/** How often an event stream sends a comment line to keep idle proxies from closing it. */
export const EVENTS_HEARTBEAT_MS = 15_000

/** `?everyMs=` of `/api/events`: default 1000, bounded to 10..60000 so a client cannot spin the server. */
export function eventsEveryMs(url: URL): number {
  const raw = url.searchParams.get('everyMs')
  const value = raw === null || raw === '' ? 1000 : Number(raw)
  if (!Number.isFinite(value)) return 1000
  return Math.min(60_000, Math.max(10, Math.round(value)))
}

/** The first id of a stream: one past `Last-Event-ID` when a client reconnects, else 1. */
export function firstEventId(lastEventId: string | null | undefined): number {
  const last = Number(lastEventId)
  return Number.isSafeInteger(last) && last >= 0 ? last + 1 : 1
}

/** The data of one event: which stack and endpoint sent it. */
export function eventData(stack: string, name: string, id: number): string {
  return JSON.stringify({ stack, name, id, at: new Date().toISOString() })
}

/** What `/chat` sends back for one text message. */
export function chatEcho(stack: string, name: string, text: string): string {
  return JSON.stringify({ stack, name, echo: text })
}

/**
 * Whether a stream (`/chat` upgrade or `/api/events`) may open, after the behaviour's delay:
 * `'open'`, a 503 reply while failing, or `undefined` while hanging (never answer).
 */
export async function streamGate(
  stack: string,
  name: string,
  behaviour: Behaviour,
  path: string,
): Promise<Reply | 'open' | undefined> {
  const mode = modeFor(behaviour, path)
  if (mode === 'hang') return undefined
  if (mode === 'slow') await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs))
  if (mode === 'fail')
    return { status: 503, body: JSON.stringify({ stack, name, error: 'failing on purpose' }) }
  return 'open'
}
