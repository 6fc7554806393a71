/** What a demo endpoint is doing now; switched at run time over HTTP so failures can be staged. */
export type Mode = 'ok' | 'fail' | 'hang' | 'slow'

export interface Behaviour {
  mode: Mode
  /** Extra latency while `slow`. */
  delayMs: number
}

export const CONTROL_PREFIX = '/__nines/'

export interface Reply {
  status: number
  body: string
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
  if (behaviour.mode === 'hang') return undefined
  if (behaviour.mode === 'slow') await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs))
  if (behaviour.mode === 'fail')
    return { status: 503, body: JSON.stringify({ stack, name, error: 'failing on purpose' }) }
  const body =
    path === '/health' ? { status: 'ok', stack, name } : { stack, name, path, at: new Date().toISOString() }
  return { status: 200, body: JSON.stringify(body) }
}

/**
 * Control requests: `POST /__nines/mode?set=fail|hang|slow|ok[&delayMs=N]` and `POST /__nines/crash`.
 */
export function controlReply(method: string, url: URL, behaviour: Behaviour): Reply {
  if (method !== 'POST') return { status: 405, body: '{"error":"use POST"}' }
  const action = url.pathname.slice(CONTROL_PREFIX.length)
  if (action === 'crash') return { status: 202, body: '{"crashing":true}', crash: true }
  if (action !== 'mode') return { status: 404, body: '{"error":"unknown control"}' }
  const set = url.searchParams.get('set')
  if (set !== 'ok' && set !== 'fail' && set !== 'hang' && set !== 'slow') {
    return { status: 400, body: '{"error":"set must be ok, fail, hang or slow"}' }
  }
  behaviour.mode = set
  const delayMs = Number(url.searchParams.get('delayMs') ?? behaviour.delayMs)
  if (Number.isFinite(delayMs) && delayMs >= 0) behaviour.delayMs = delayMs
  return { status: 200, body: JSON.stringify(behaviour) }
}
