// What the routers and nameservers think of each process, polled from their admin APIs: the basis of
// a fault's detection and recovery times.

/** Who marks a target not up right now: target name → observers ("edge1", "edge2 ejected", "ns1"). */
export type Marks = ReadonlyMap<string, readonly string[]>

export interface Observer {
  /** The daemon instance. */
  readonly name: string
  readonly kind: 'dns' | 'edge'
  readonly adminUrl: string
  /** False while it is killed or frozen: it is skipped, not counted as seeing everything up. */
  readonly reachable: () => boolean
}

const POLL_TIMEOUT_MS = 1_000
const EJECTED = ' ejected'

/** A router's outlier ejection, as opposed to a monitor's down (probes) verdict. */
export const isEjection = (by: string) => by.endsWith(EJECTED)

/** The last segment of `pool/name` or `name`. */
const nameOf = (id: string) => id.slice(id.lastIndexOf('/') + 1)

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url, { signal: AbortSignal.timeout(POLL_TIMEOUT_MS) })
  if (response.status !== 200) {
    await response.arrayBuffer()
    throw new Error(`${url}: ${response.status}`)
  }
  return response.json()
}

interface EndpointView {
  readonly id: string
  readonly effective: string
}
interface EdgeStatus {
  readonly pools?: readonly {
    readonly endpoints: readonly { id: string; serving: string; ejectedUntil: string | null }[]
  }[]
}

/**
 * One poll of every reachable observer: an endpoint is marked by a daemon whose monitor has it `down` or
 * `drain` (`GET /endpoints`), and by a router that has ejected it or does not serve it (`GET /status`).
 * `unknown` (no probe yet after a restart) is not a mark: it says nothing about the target.
 */
export async function pollMarks(observers: readonly Observer[]): Promise<Map<string, string[]>> {
  const marks = new Map<string, string[]>()
  const mark = (target: string, by: string) => {
    const list = marks.get(target) ?? []
    if (!list.includes(by)) list.push(by)
    marks.set(target, list)
  }
  await Promise.all(
    observers
      .filter((o) => o.reachable())
      .map(async (o) => {
        const views = (await getJson(`${o.adminUrl}/endpoints`).catch(() => [])) as EndpointView[]
        for (const v of views)
          if (v.effective === 'down' || v.effective === 'drain') mark(nameOf(v.id), o.name)
        if (o.kind !== 'edge') return
        const status = (await getJson(`${o.adminUrl}/status`).catch(() => ({}))) as EdgeStatus
        for (const pool of status.pools ?? [])
          for (const e of pool.endpoints) {
            if (e.ejectedUntil !== null && Date.parse(e.ejectedUntil) > Date.now())
              mark(nameOf(e.id), `${o.name}${EJECTED}`)
            else if (e.serving === 'down' || e.serving === 'drain') mark(nameOf(e.id), o.name)
          }
      }),
  )
  return marks
}

/**
 * Waits until every daemon has every endpoint it probes `up` (the first probes need `rise` rounds), so the
 * run's window does not start with the stack's own start-up; false if that did not happen in `timeoutMs`.
 */
export async function waitAllUp(observers: readonly Observer[], timeoutMs: number): Promise<boolean> {
  const giveUpAt = Date.now() + timeoutMs
  while (Date.now() < giveUpAt) {
    const views = await Promise.all(
      observers.map((o) => getJson(`${o.adminUrl}/endpoints`).catch(() => []) as Promise<EndpointView[]>),
    )
    if (views.every((list) => list.length > 0 && list.every((v) => v.effective === 'up'))) return true
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return false
}

/** Polls every `intervalMs` and hands each result to `onMarks`, until stopped. */
export function watchMarks(
  observers: readonly Observer[],
  intervalMs: number,
  onMarks: (at: number, marks: Marks) => void,
): { stop(): Promise<void> } {
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      const started = Date.now()
      const marks = await pollMarks(observers)
      if (stopped) break
      onMarks(Date.now(), marks)
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, intervalMs - (Date.now() - started))))
    }
  })()
  return {
    async stop() {
      stopped = true
      await loop
    },
  }
}
