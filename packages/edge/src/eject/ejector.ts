import type { Clock, Timer } from '@nines/core'
import { parseEjectionOptions, type EjectionOptions, type EjectionOptionsInput } from './options.js'

/** What the proxy saw for one attempt to one endpoint. 4xx and other answers the client asked for are `ok`. */
export type AttemptOutcome = 'ok' | '5xx' | 'gateway-error' | 'connect-failure' | 'timeout' | 'reset'

export interface AttemptObservation {
  readonly endpointId: string
  readonly outcome: AttemptOutcome
  /** Time to the response head or to the failure; handed on to the observation hook. */
  readonly latencyMs?: number
}

export type EjectionReason = 'consecutive-5xx' | 'consecutive-gateway-failure'

export interface EjectedEvent {
  readonly type: 'ejected'
  readonly pool: string
  readonly endpointId: string
  readonly reason: EjectionReason
  /** The run of failures that crossed the threshold. */
  readonly consecutive: number
  /** Ejections counted after decay, this one included; the duration is base × this, capped. */
  readonly timesEjected: number
  readonly durationMs: number
  /** Epoch ms at which the endpoint returns. */
  readonly until: number
  readonly at: number
}

export interface ReturnedEvent {
  readonly type: 'returned'
  readonly pool: string
  readonly endpointId: string
  readonly ejectedForMs: number
  readonly timesEjected: number
  readonly at: number
}

/** A threshold was crossed but the pool already has its maximum share ejected: the endpoint stays. */
export interface KeptEvent {
  readonly type: 'kept'
  readonly pool: string
  readonly endpointId: string
  readonly reason: EjectionReason
  readonly ejected: number
  readonly maxEjected: number
  readonly at: number
}

export type EjectionEvent = EjectedEvent | ReturnedEvent | KeptEvent

/**
 * What one observation did: counted (ok or a failure below the thresholds), ejected, kept because the pool
 * is at its maximum ejected share, ignored for counting because the endpoint is already ejected (an
 * attempt that was in flight), or ignored because the endpoint is not in the pool.
 */
export type ObserveResult = 'counted' | 'ejected' | 'kept-max-ejected' | 'while-ejected' | 'unknown-endpoint'

export interface EjectionStatus {
  readonly ejected: boolean
  /** Epoch ms; 0 when not ejected. */
  readonly until: number
  readonly timesEjected: number
  readonly consecutive5xx: number
  readonly consecutiveGatewayFailure: number
}

export interface EjectorOptions {
  readonly pool: string
  readonly endpointIds: Iterable<string>
  readonly clock: Clock
  readonly options?: EjectionOptionsInput
  /** Ejections, returns and refusals, for logs and metrics. */
  readonly onEvent?: (event: EjectionEvent) => void
  /** Every observation, before it is counted; see `monitorReporter` to feed `Monitor.report`. */
  readonly onObservation?: (observation: AttemptObservation) => void
}

interface EndpointEjection {
  consecutive5xx: number
  consecutiveGateway: number
  timesEjected: number
  /** When the count was last brought up to date by decay (a return, or the last decay step). */
  decayFrom: number
  ejectedAt: number
  /** 0 while in the pool. */
  ejectedUntil: number
  timer: Timer | undefined
}

/**
 * Passive ejection for one pool (Envoy outlier detection). Counting is O(1) and allocation-free per
 * observation; only ejections and returns allocate (an event and a timer).
 */
export class Ejector {
  readonly pool: string
  readonly options: EjectionOptions
  readonly #clock: Clock
  readonly #onEvent: ((event: EjectionEvent) => void) | undefined
  readonly #onObservation: ((observation: AttemptObservation) => void) | undefined
  readonly #endpoints = new Map<string, EndpointEjection>()
  /** Past this count the time no longer grows, so counting further would only slow the decay. */
  readonly #maxTimes: number
  #ejected = 0

  constructor(options: EjectorOptions) {
    this.pool = options.pool
    this.options = parseEjectionOptions(options.options)
    this.#clock = options.clock
    this.#onEvent = options.onEvent
    this.#onObservation = options.onObservation
    this.#maxTimes = Math.ceil(this.options.maxEjectionTimeMs / this.options.baseEjectionTimeMs)
    this.setEndpoints(options.endpointIds)
  }

  /** Endpoints currently ejected. */
  get ejectedCount(): number {
    return this.#ejected
  }

  /** The most endpoints ejected at once: the share rounded down, so a one-endpoint pool is never emptied. */
  get maxEjected(): number {
    return Math.floor((this.#endpoints.size * this.options.maxEjectionPercent) / 100)
  }

  /** Follows a change of the pool's membership; kept endpoints keep their counts and ejections. */
  setEndpoints(ids: Iterable<string>): void {
    const keep = new Set(ids)
    for (const [id, state] of this.#endpoints) {
      if (keep.has(id)) continue
      state.timer?.cancel()
      if (state.ejectedUntil !== 0) this.#ejected--
      this.#endpoints.delete(id)
    }
    const now = this.#clock.now()
    for (const id of keep) {
      if (this.#endpoints.has(id)) continue
      this.#endpoints.set(id, {
        consecutive5xx: 0,
        consecutiveGateway: 0,
        timesEjected: 0,
        decayFrom: now,
        ejectedAt: 0,
        ejectedUntil: 0,
        timer: undefined,
      })
    }
  }

  observe(observation: AttemptObservation): ObserveResult {
    this.#onObservation?.(observation)
    const state = this.#endpoints.get(observation.endpointId)
    if (!state) return 'unknown-endpoint'
    const now = this.#clock.now()
    if (state.ejectedUntil !== 0) {
      if (state.ejectedUntil > now) return 'while-ejected'
      this.#return(observation.endpointId, state, now)
    }
    const outcome = observation.outcome
    if (outcome === 'ok') {
      state.consecutive5xx = 0
      state.consecutiveGateway = 0
      return 'counted'
    }
    if (!this.options.enabled) return 'counted'
    // Envoy's mapping: local-origin failures (connect, timeout, reset) are gateway failures, every gateway
    // failure is also a 5xx, and another 5xx ends a run of gateway failures.
    state.consecutive5xx++
    state.consecutiveGateway = outcome === '5xx' ? 0 : state.consecutiveGateway + 1
    const { consecutiveGatewayFailure: gatewayLimit, consecutive5xx: limit5xx } = this.options
    if (gatewayLimit > 0 && state.consecutiveGateway >= gatewayLimit) {
      return this.#eject(
        observation.endpointId,
        state,
        'consecutive-gateway-failure',
        state.consecutiveGateway,
        now,
      )
    }
    if (limit5xx > 0 && state.consecutive5xx >= limit5xx) {
      return this.#eject(observation.endpointId, state, 'consecutive-5xx', state.consecutive5xx, now)
    }
    return 'counted'
  }

  /** Whether the balancer must skip the endpoint now. An ejection that has run out ends here if its timer is late. */
  isEjected(endpointId: string): boolean {
    const state = this.#endpoints.get(endpointId)
    if (!state || state.ejectedUntil === 0) return false
    const now = this.#clock.now()
    if (state.ejectedUntil > now) return true
    this.#return(endpointId, state, now)
    return false
  }

  status(endpointId: string): EjectionStatus | undefined {
    const state = this.#endpoints.get(endpointId)
    if (!state) return undefined
    const ejected = this.isEjected(endpointId)
    return {
      ejected,
      until: state.ejectedUntil,
      timesEjected: ejected ? state.timesEjected : this.#decayed(state, this.#clock.now()),
      consecutive5xx: state.consecutive5xx,
      consecutiveGatewayFailure: state.consecutiveGateway,
    }
  }

  /** Cancels the return timers (shutdown); ejected endpoints still return when asked after their time. */
  close(): void {
    for (const state of this.#endpoints.values()) {
      state.timer?.cancel()
      state.timer = undefined
    }
  }

  #decayed(state: EndpointEjection, now: number): number {
    if (state.timesEjected === 0) return 0
    const steps = Math.floor((now - state.decayFrom) / this.options.decayIntervalMs)
    return Math.max(0, state.timesEjected - steps)
  }

  #eject(
    id: string,
    state: EndpointEjection,
    reason: EjectionReason,
    consecutive: number,
    now: number,
  ): ObserveResult {
    // The run starts again either way, so a refused ejection is reported once per run, not per request.
    state.consecutive5xx = 0
    state.consecutiveGateway = 0
    const maxEjected = this.maxEjected
    if (this.#ejected >= maxEjected) {
      this.#onEvent?.({
        type: 'kept',
        pool: this.pool,
        endpointId: id,
        reason,
        ejected: this.#ejected,
        maxEjected,
        at: now,
      })
      return 'kept-max-ejected'
    }
    const times = Math.min(this.#decayed(state, now) + 1, this.#maxTimes)
    const durationMs = Math.min(this.options.baseEjectionTimeMs * times, this.options.maxEjectionTimeMs)
    state.timesEjected = times
    state.ejectedAt = now
    state.ejectedUntil = now + durationMs
    state.timer = this.#clock.setTimeout(() => this.#return(id, state, this.#clock.now()), durationMs)
    this.#ejected++
    this.#onEvent?.({
      type: 'ejected',
      pool: this.pool,
      endpointId: id,
      reason,
      consecutive,
      timesEjected: times,
      durationMs,
      until: state.ejectedUntil,
      at: now,
    })
    return 'ejected'
  }

  #return(id: string, state: EndpointEjection, now: number): void {
    if (state.ejectedUntil === 0 || this.#endpoints.get(id) !== state) return
    state.timer?.cancel()
    state.timer = undefined
    const ejectedForMs = now - state.ejectedAt
    state.ejectedUntil = 0
    state.decayFrom = now
    this.#ejected--
    this.#onEvent?.({
      type: 'returned',
      pool: this.pool,
      endpointId: id,
      ejectedForMs,
      timesEjected: state.timesEjected,
      at: now,
    })
  }
}
