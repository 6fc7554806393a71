import { InvalidArgumentError } from '@nines/core'
import type { PriorityOptions } from './schema.js'
import type { CandidateView } from './types.js'

/** The failover memory of one name; a value the server stores and feeds back. */
export interface PriorityState {
  /** The priority group that takes traffic. */
  readonly active: number
  /** When `active` last changed (epoch ms). */
  readonly since: number
  /** Per priority with an up endpoint: when it last became so (epoch ms). Groups with none are absent. */
  readonly upSince: Readonly<Record<number, number>>
}

/** What the priority logic needs to know about one group. */
export interface PriorityGroupHealth {
  readonly priority: number
  /** Endpoints whose effective state is `up`. */
  readonly eligible: number
  /** Endpoints not drained: the denominator of the group's healthy share. */
  readonly nonDrained: number
}

/** Per-priority counts, best (lowest) priority first. */
export function groupHealth(candidates: readonly CandidateView[]): PriorityGroupHealth[] {
  const byPriority = new Map<number, { eligible: number; nonDrained: number }>()
  for (const candidate of candidates) {
    const { priority } = candidate
    if (!Number.isInteger(priority) || priority < 0) {
      throw new InvalidArgumentError(
        `candidate ${candidate.endpoint.id}: priority must be an integer >= 0, got ${priority}`,
      )
    }
    const counts = byPriority.get(priority) ?? { eligible: 0, nonDrained: 0 }
    if (candidate.effective === 'up') counts.eligible++
    if (candidate.effective !== 'drain') counts.nonDrained++
    byPriority.set(priority, counts)
  }
  return [...byPriority]
    .map(([priority, counts]) => ({ priority, ...counts }))
    .sort((a, b) => a.priority - b.priority)
}

/**
 * Where a name starts: the best group with an up endpoint, with no hold. Call it once the first checks
 * have settled, so that a standby that answers its first probe sooner does not win the start.
 */
export function initialPriorityState(groups: readonly PriorityGroupHealth[], now: number): PriorityState {
  const healthy = groups.filter((g) => g.eligible > 0)
  const upSince: Record<number, number> = {}
  for (const g of healthy) upSince[g.priority] = now
  return { active: healthy[0]?.priority ?? groups[0]?.priority ?? 0, since: now, upSince }
}

/**
 * Failover is immediate: when the active group has no up endpoint, the best group that has one takes over.
 * Failback to a better group waits until it has been up for `holdMs` (auto), or for `failback` (manual).
 * Returns `state` itself when nothing changed, so callers can compare by identity.
 */
export function nextPriorityState(
  state: PriorityState,
  groups: readonly PriorityGroupHealth[],
  options: PriorityOptions,
  now: number,
): PriorityState {
  const upSince: Record<number, number> = {}
  const healthy: number[] = []
  for (const g of groups) {
    if (g.eligible === 0) continue
    healthy.push(g.priority)
    upSince[g.priority] = state.upSince[g.priority] ?? now
  }
  let active = state.active
  if (!healthy.includes(active)) {
    // With nothing up anywhere, stay put: all-down is the selection's business, not a failover.
    active = healthy[0] ?? active
  } else if (options.failback === 'auto') {
    const held = healthy.find((p) => p < active && now - (upSince[p] ?? now) >= options.holdMs)
    if (held !== undefined) active = held
  }
  if (active === state.active && sameRecord(upSince, state.upSince)) return state
  return { active, since: active === state.active ? state.since : now, upSince }
}

/**
 * When a held failback becomes due without any health change (epoch ms), so the server can schedule a
 * rebuild; `undefined` when none is pending. `state` must come from `nextPriorityState`.
 */
export function nextPriorityChangeAt(state: PriorityState, options: PriorityOptions): number | undefined {
  if (options.failback === 'manual') return undefined
  let at: number | undefined
  for (const [key, since] of Object.entries(state.upSince)) {
    if (Number(key) >= state.active) continue
    const due = since + options.holdMs
    if (at === undefined || due < at) at = due
  }
  return at
}

/**
 * The operator's failback to a better group, without waiting for the hold. If that group has no up
 * endpoint, the next `nextPriorityState` fails over again at once.
 */
export function failback(state: PriorityState, toPriority: number, now: number): PriorityState {
  if (!Number.isInteger(toPriority) || toPriority < 0) {
    throw new InvalidArgumentError(`failback: toPriority must be an integer >= 0, got ${toPriority}`)
  }
  if (toPriority > state.active) {
    throw new InvalidArgumentError(
      `failback: priority ${toPriority} is not better than the active priority ${state.active}`,
    )
  }
  if (toPriority === state.active) return state
  return { ...state, active: toPriority, since: now }
}

function sameRecord(a: Readonly<Record<number, number>>, b: Readonly<Record<number, number>>): boolean {
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  return keys.every((k) => a[Number(k)] === b[Number(k)])
}
