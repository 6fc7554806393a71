import type { Clock, EffectiveState, Endpoint, OverrideState } from '@nines/core'
import type { Dispatcher } from 'undici'
import { Admission } from '../admit/admission.js'
import type { AdmissionOptions } from '../admit/options.js'
import type { Candidate, Member } from '../balance/types.js'
import { Ejector, type AttemptObservation, type EjectionEvent } from '../eject/ejector.js'
import type { EjectionOptionsInput } from '../eject/options.js'
import { candidates, type PanicOptions } from '../eject/panic.js'
import { createUpstreamPool, type UpstreamPoolOptions } from '../proxy/upstream-pool.js'

/** One endpoint's health as the router reads it: the monitor's effective state and the operator's override. */
export interface EndpointHealth {
  readonly effective: EffectiveState
  readonly override?: OverrideState | undefined
}

/** Health by endpoint id (`pool/endpoint`, as the monitor names them); an absent id is `unknown`. */
export type HealthLookup = (monitorId: string) => EndpointHealth | undefined

export interface PoolStateOptions {
  readonly name: string
  readonly endpoints: readonly Endpoint[]
  readonly ejection?: EjectionOptionsInput | undefined
  readonly panic: PanicOptions
  /** The pool's admission (`admissionSchema` output); off when absent or `enabled: false`. */
  readonly admission?: AdmissionOptions | undefined
  readonly clock: Clock
  readonly upstream?: UpstreamPoolOptions | undefined
  readonly onEjection?: ((event: EjectionEvent) => void) | undefined
  readonly onObservation?: ((observation: AttemptObservation) => void) | undefined
  /** The pool entered or left panic. */
  readonly onPanic?: ((panic: boolean, healthy: number, eligible: number) => void) | undefined
  /** The pool's admission limit changed (never per request). */
  readonly onLimit?: ((limit: number) => void) | undefined
  /** The router's own event-loop delay in ms (`LoopDelay`), tolerated by admission on top of latency. */
  readonly selfDelayMs?: (() => number) | undefined
}

/** What a pool's members look like to its balancers after health, overrides, ejection and panic. */
export interface PoolView {
  readonly members: readonly Member[]
  readonly panic: boolean
  readonly healthy: number
  readonly eligible: number
}

interface Slot {
  readonly candidate: Candidate
  readonly upstream: Dispatcher
  /** Whether the endpoint could take new requests at the last refresh (for slow start's `upSinceMs`). */
  wasUp: boolean
}

const origin = (endpoint: Endpoint): string =>
  `http://${endpoint.address.includes(':') ? `[${endpoint.address}]` : endpoint.address}:${endpoint.port}`

/**
 * A pool as the router runs it: one `Candidate` and one undici pool per endpoint for the endpoint's
 * lifetime (so in-flight counts and keep-alive connections survive every refresh and reload), the pool's
 * ejector, and the member list its balancers are fed, recomputed on every health, override or
 * ejection change, never per request.
 */
export class PoolState {
  readonly name: string
  readonly ejector: Ejector
  readonly #options: PoolStateOptions
  #panicOptions: PanicOptions
  #slots = new Map<string, Slot>()
  #view: PoolView = { members: [], panic: false, healthy: 0, eligible: 0 }
  #listeners = new Set<(view: PoolView) => void>()
  #health: HealthLookup
  /** Undici pools by endpoint id, for the retry loop. */
  readonly upstreams = new Map<string, Dispatcher>()
  /** The pool's adaptive limit and class queues; undefined when admission is off. */
  admission: Admission | undefined

  constructor(options: PoolStateOptions, health: HealthLookup) {
    this.name = options.name
    this.#options = options
    this.#panicOptions = options.panic
    this.ejector = new Ejector({
      pool: options.name,
      endpointIds: options.endpoints.map((e) => e.id),
      clock: options.clock,
      options: options.ejection,
      onEvent: (event) => {
        options.onEjection?.(event)
        if (event.type !== 'kept') this.refresh(this.#health)
      },
      onObservation: options.onObservation,
    })
    this.#health = health
    this.setAdmission(options.admission)
    this.setEndpoints(options.endpoints, options.panic)
  }

  /** Follows a reload: the limit, in-flight counts and waiters carry over; off sheds no one already queued. */
  setAdmission(options: AdmissionOptions | undefined): void {
    if (options === undefined || !options.enabled) {
      this.admission = undefined // requests holding the old one's permits release into it harmlessly
      return
    }
    if (this.admission === undefined) {
      const o = this.#options
      this.admission = new Admission(options, o.clock, o.onLimit, o.selfDelayMs)
    } else this.admission.setOptions(options)
  }

  get view(): PoolView {
    return this.#view
  }

  /** Called with the new view after every refresh (balancers update themselves). */
  onChange(listener: (view: PoolView) => void): () => void {
    this.#listeners.add(listener)
    listener(this.#view)
    return () => this.#listeners.delete(listener)
  }

  /**
   * Follows a reload: endpoints that keep their id, address and port keep their candidate (in-flight
   * count) and connections; others get new ones; the connections of endpoints that left close once
   * their requests are done.
   */
  setEndpoints(endpoints: readonly Endpoint[], panic: PanicOptions): void {
    this.#panicOptions = panic
    const next = new Map<string, Slot>()
    for (const endpoint of endpoints) {
      const old = this.#slots.get(endpoint.id)
      if (old && sameTarget(old.candidate.endpoint, endpoint)) {
        // Same socket address: keep counts and connections, take the new weight and labels.
        next.set(endpoint.id, { ...old, candidate: Object.assign(old.candidate, { endpoint }) })
        continue
      }
      const upstream = createUpstreamPool(origin(endpoint), this.#options.upstream)
      next.set(endpoint.id, { candidate: { endpoint, outstanding: 0 }, upstream, wasUp: false })
    }
    for (const [id, slot] of this.#slots) {
      if (next.get(id)?.upstream !== slot.upstream) void slot.upstream.close().catch(() => undefined)
    }
    this.#slots = next
    this.upstreams.clear()
    for (const [id, slot] of next) this.upstreams.set(id, slot.upstream)
    this.ejector.setEndpoints(next.keys())
    this.refresh(this.#health)
  }

  /** Recomputes the members from health, overrides and ejections; call on every change of any of them. */
  refresh(health: HealthLookup): void {
    this.#health = health
    const now = this.#options.clock.now()
    const inputs = [...this.#slots.values()].map((slot) => {
      const h = health(`${this.name}/${slot.candidate.endpoint.id}`)
      return {
        slot,
        state: h?.effective ?? ('unknown' as EffectiveState),
        override: h?.override,
        ejected: this.ejector.isEjected(slot.candidate.endpoint.id),
      }
    })
    const chosen = candidates(inputs, this.#panicOptions)
    // In panic every endpoint that is not drained takes traffic, except one an operator holds down.
    const serving = new Set(
      chosen.endpoints.filter((e) => !(chosen.panic && e.override === 'down')).map((e) => e.slot),
    )
    const members: Member[] = inputs.map(({ slot, state }) => {
      const up = serving.has(slot)
      // Slow start ramps an endpoint that came back, not one that was there from the first refresh.
      if (up && !slot.wasUp && this.#view.members.length > 0) slot.candidate.upSinceMs = now
      slot.wasUp = up
      return { candidate: slot.candidate, state: up ? 'up' : state === 'drain' ? 'drain' : 'down' }
    })
    const wasPanic = this.#view.panic
    this.#view = { members, panic: chosen.panic, healthy: chosen.healthy, eligible: chosen.eligible }
    if (chosen.panic !== wasPanic) this.#options.onPanic?.(chosen.panic, chosen.healthy, chosen.eligible)
    for (const listener of this.#listeners) listener(this.#view)
  }

  /** Requests in flight to each endpoint (drain waits on these). */
  outstanding(): Map<string, number> {
    return new Map([...this.#slots].map(([id, slot]) => [id, slot.candidate.outstanding]))
  }

  async close(): Promise<void> {
    this.ejector.close()
    this.admission?.close()
    this.#listeners.clear()
    await Promise.all([...this.#slots.values()].map((slot) => slot.upstream.close().catch(() => undefined)))
  }
}

function sameTarget(a: Endpoint, b: Endpoint): boolean {
  return a.address === b.address && a.port === b.port && a.host === b.host
}
