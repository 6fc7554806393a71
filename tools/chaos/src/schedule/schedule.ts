import { seededRandom } from './rng.js'

/** What a fault does to its target; `burst` multiplies the client traffic instead. */
export type FaultAction = 'kill' | 'hang' | 'slow' | 'fail-route' | 'freeze' | 'burst'

/** One entry of the catalogue a schedule draws from: the action and the kind of target. */
export type FaultKind =
  | 'kill-stack'
  | 'hang-stack'
  | 'slow-stack'
  | 'fail-route-stack'
  | 'freeze-stack'
  | 'kill-edge'
  | 'kill-nameserver'
  | 'kill-cms'
  | 'burst'

/** Every kind once: what the issue asks a run to survive. */
export const ALL_FAULT_KINDS: readonly FaultKind[] = [
  'kill-stack',
  'hang-stack',
  'slow-stack',
  'fail-route-stack',
  'freeze-stack',
  'kill-edge',
  'kill-nameserver',
  'kill-cms',
  'burst',
]

/** The target a fault is staged on (`traffic` for a burst). */
export const TRAFFIC_TARGET = 'traffic'

export interface ScheduledProcess {
  readonly name: string
  readonly kind: 'dns' | 'edge' | 'endpoint'
  /** Endpoints: the pool they serve in. */
  readonly pool?: string
  /** Endpoints: the implementation (`labels.stack`: node-http, hono, raw). */
  readonly stack?: string
}

export interface Fault {
  readonly id: number
  readonly kind: FaultKind
  readonly action: FaultAction
  readonly target: string
  /** From the start of the run. */
  readonly atMs: number
  healAtMs: number
  /** `slow`: delayMs; `fail-route`: route; `burst`: multiplier. */
  readonly params: Readonly<Record<string, string | number>>
}

export interface ScheduleOptions {
  readonly seed: number
  readonly durationMs: number
  readonly processes: readonly ScheduledProcess[]
  /** What to stage, each once, in a seeded order; default `ALL_FAULT_KINDS`. */
  readonly kinds?: readonly FaultKind[]
  /** The pool of the single CMS; default `cms`. */
  readonly cmsPool?: string
  /** Traffic multiplier during the burst; default 3. */
  readonly burstMultiplier?: number
}

/** Faults shorter than this cannot show a detection (probes run about every second). */
const MIN_SLOT_MS = 2_000
/** Between one fault's heal and the next on the same group, when they would otherwise overlap. */
const GAP_MS = 500
const SLOW_DELAY_MS = 2_000
const FAIL_ROUTES = ['/api', '/api/balance', '/api/usage'] as const

/**
 * A seeded fault schedule over `durationMs`: a quiet warm-up, then each kind once in its own slot, then a
 * quiet cool-down so every recovery is seen before the end. A fault lasts half to 1.1 slots, so at most
 * two overlap, and never on one target or on every member of a pool, of an implementation, of the edges
 * or of the nameservers (a single CMS is the exception: its pool has nothing else).
 */
export function makeSchedule(options: ScheduleOptions): Fault[] {
  const random = seededRandom(options.seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const kinds = shuffle([...(options.kinds ?? ALL_FAULT_KINDS)], random)
  const { durationMs } = options
  const warmupMs = clamp(durationMs * 0.1, 2_000, 15_000)
  const cooldownMs = clamp(durationMs * 0.15, 4_000, 30_000)
  const slotMs = (durationMs - warmupMs - cooldownMs) / (kinds.length + 0.4)
  if (kinds.length > 0 && !(slotMs >= MIN_SLOT_MS))
    throw new RangeError(
      `a ${durationMs} ms run is too short for ${kinds.length} faults (each needs ${MIN_SLOT_MS} ms or more)`,
    )

  const faults: Fault[] = []
  kinds.forEach((kind, i) => {
    const atMs = Math.round(warmupMs + (i + random() * 0.3) * slotMs)
    const healAtMs = Math.round(atMs + (0.5 + random() * 0.6) * slotMs)
    const { action, candidates } = catalogue(kind, options)
    const active = () => faults.filter((f) => f.healAtMs > atMs)
    let eligible = candidates.filter((p) => allowed(p, active(), options.processes))
    if (eligible.length === 0) {
      // Only the previous fault can still be on; end it first rather than take a whole group down.
      for (const f of active()) f.healAtMs = Math.max(f.atMs + 1, atMs - GAP_MS)
      eligible = candidates
    }
    if (eligible.length === 0 && kind !== 'burst') throw new RangeError(`no target for ${kind}`)
    const target = kind === 'burst' ? TRAFFIC_TARGET : pick(eligible).name
    faults.push({ id: i + 1, kind, action, target, atMs, healAtMs, params: params(action) })
  })
  return faults

  function params(action: FaultAction): Record<string, string | number> {
    if (action === 'slow') return { delayMs: SLOW_DELAY_MS }
    if (action === 'fail-route') return { route: pick(FAIL_ROUTES) }
    if (action === 'burst') return { multiplier: options.burstMultiplier ?? 3 }
    return {}
  }
}

function catalogue(
  kind: FaultKind,
  options: ScheduleOptions,
): { action: FaultAction; candidates: ScheduledProcess[] } {
  const cmsPool = options.cmsPool ?? 'cms'
  const of = (test: (p: ScheduledProcess) => boolean) => options.processes.filter(test)
  const stacks = of((p) => p.kind === 'endpoint' && p.pool !== cmsPool)
  switch (kind) {
    case 'kill-stack':
      return { action: 'kill', candidates: stacks }
    case 'hang-stack':
      return { action: 'hang', candidates: stacks }
    case 'slow-stack':
      return { action: 'slow', candidates: stacks }
    case 'fail-route-stack':
      return { action: 'fail-route', candidates: stacks }
    case 'freeze-stack':
      return { action: 'freeze', candidates: stacks }
    case 'kill-edge':
      return { action: 'kill', candidates: of((p) => p.kind === 'edge') }
    case 'kill-nameserver':
      return { action: 'kill', candidates: of((p) => p.kind === 'dns') }
    case 'kill-cms':
      return { action: 'kill', candidates: of((p) => p.kind === 'endpoint' && p.pool === cmsPool) }
    case 'burst':
      return { action: 'burst', candidates: [] }
  }
}

/** The groups a process belongs to; a fault may never leave one of them (with other members) all faulted. */
export function groupsOf(p: ScheduledProcess): string[] {
  if (p.kind !== 'endpoint') return [`kind:${p.kind}`]
  return [`pool:${p.pool ?? ''}`, ...(p.stack === undefined ? [] : [`stack:${p.stack}`])]
}

function allowed(
  p: ScheduledProcess,
  active: readonly Fault[],
  processes: readonly ScheduledProcess[],
): boolean {
  const down = new Set(active.map((f) => f.target))
  if (down.has(p.name)) return false
  return groupsOf(p).every((group) => {
    const members = processes.filter((m) => groupsOf(m).includes(group))
    if (members.length <= 1) return true
    return members.filter((m) => down.has(m.name)).length + 1 < members.length
  })
}

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[items[i], items[j]] = [items[j]!, items[i]!]
  }
  return items
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value))
}
