import { EventEmitter } from 'node:events'
import { hostname } from 'node:os'
import {
  InvalidArgumentError,
  NinesError,
  effectiveState,
  endpointId,
  mathRng,
  noopLogger,
  overrideActive,
  systemClock,
  type Clock,
  type EffectiveState,
  type Endpoint,
  type Logger,
  type ObservedState,
  type Override,
  type OverrideState,
  type ProbeResult,
  type Rng,
  type Timer,
} from '@nines/core'
import {
  checkTiming,
  monitorCheckSchema,
  type CheckInput,
  type CheckTiming,
  type MonitorCheck,
} from '../check.js'
import type { Probe } from '../probe.js'
import { customProbe, probeFor, type CustomProbeFunction } from '../probes/index.js'
import { runCancellable, type RunHandle } from '../probes/run-probe.js'
import {
  Quorum,
  combineActivePassive,
  initialHealth,
  newPassiveWindow,
  nextProbeDelayMs,
  passiveSchema,
  recordPassive,
  thresholdsFor,
  transition,
  type Damping,
  type EndpointHealth,
  type PassiveOptions,
  type PassiveWindow,
  type QuorumOptions,
  type Thresholds,
  type Verdict,
} from '../state/index.js'
import type { MonitorEvents } from './events.js'
import { SlotQueue } from './slots.js'
import { readStateFile, removeLeftovers, writeStateFile, type StateFile } from './state-file.js'

export interface MonitorOptions {
  /** This monitor's name in events and quorum verdicts; defaults to the host name. */
  readonly observer?: string
  readonly clock?: Clock
  readonly rng?: Rng
  readonly logger?: Logger
  /** Where verdicts and overrides are kept across restarts; nothing is persisted without it. */
  readonly stateFile?: string
  /** Saved verdicts older than this are not trusted at start-up (default 5 minutes). */
  readonly maxSavedStateAgeMs?: number
  /** `first-result` (default): the first probe decides; `thresholds`: unknown needs rise/fall too. */
  readonly coldStart?: 'first-result' | 'thresholds'
  /** Flap damping; `false` turns it off. */
  readonly damping?: Partial<Damping> | false
  /** Passive signals fed through `report()`; `false` ignores them. */
  readonly passive?: Partial<PassiveOptions> | false
  /** Merge this monitor's verdicts with remote observers' (k of n). */
  readonly quorum?: QuorumOptions
}

export interface MonitorTarget {
  /** An endpoint, or just its address and port (the id defaults to `address:port`). */
  readonly endpoint: Endpoint | (Pick<Endpoint, 'address' | 'port'> & Partial<Endpoint>)
  readonly check: CheckInput
  readonly pool?: string
  /**
   * A custom probe; required when `check.kind` is `custom`. It may answer `true`/`false` or a partial
   * result (see customProbe); a throw or an abort is a failure.
   */
  readonly probe?: CustomProbeFunction
}

/** Everything known about one endpoint: what probes observed and what an operator forced, side by side. */
export interface EndpointStatus {
  readonly endpoint: Endpoint
  readonly pool: string | undefined
  readonly observed: ObservedState
  readonly override: Override | undefined
  readonly effective: EffectiveState
  readonly since: number
  readonly reason: string
  readonly lastResult: ProbeResult | undefined
  readonly lastProbeAt: number | undefined
  readonly suppressed: boolean
  /** The soonest time the observed state could change: a TTL hint for answers. */
  readonly nextChangeAt: number
  /**
   * Epoch ms when the effective state last turned `up` after being `down` or `drain` (probes, passive
   * signals, an override set, cleared or expired), restored from the state file across restarts; undefined
   * while not up, or when being up is a first result. Answers keep a short TTL for a while after it.
   */
  readonly recoveredAt: number | undefined
}

export interface OverrideInput {
  readonly state: OverrideState
  readonly reason: string
  readonly planned?: boolean
  /** Epoch milliseconds; or give `ttlMs`. */
  readonly expiresAt?: number
  readonly ttlMs?: number
}

/**
 * The longest override TTL: Node fires a timer set further ahead at once, so such an override would expire
 * the moment it was set (2^31 - 1 ms, about 24.8 days). Exported for the admin API's schema.
 */
export const maxOverrideTtlMs = 2 ** 31 - 1

/** The coarsest grid probe start times are rounded up to (see #schedule). */
const maxGridMs = 100

interface Entry {
  endpoint: Endpoint
  pool: string | undefined
  check: MonitorCheck
  checkKey: string
  timing: CheckTiming
  thresholds: Thresholds
  /** The caller's own probe function, as given (compared to tell an unchanged target). */
  custom: CustomProbeFunction | undefined
  probe: Probe
  health: EndpointHealth
  observed: ObservedState
  effective: EffectiveState
  override: Override | undefined
  recoveredAt: number | undefined
  passive: PassiveWindow
  nextChangeAt: number
  /** The grid slot its next probe is due at; undefined when none is scheduled. */
  dueAt: number | undefined
  expiryTimer: Timer | undefined
  inflight: RunHandle | undefined
}

/**
 * Probes endpoints on their schedules and keeps each one's state: probes report, the pure state
 * machine decides, the monitor only schedules, remembers and tells. One probe in flight per endpoint.
 */
export class Monitor extends EventEmitter<MonitorEvents> {
  readonly observer: string
  readonly #clock: Clock
  readonly #rng: Rng
  readonly #logger: Logger
  readonly #options: MonitorOptions
  readonly #passive: PassiveOptions | false
  readonly #quorum: Quorum | undefined
  readonly #entries = new Map<string, Entry>()
  readonly #firstRoundWaiters = new Set<() => void>()
  #saved: StateFile | undefined
  #running = false
  #persisting: Promise<void> = Promise.resolve()
  readonly #due: SlotQueue<Entry>
  /** Why the most recent state file write failed; undefined once one succeeds. */
  #writeError: unknown

  constructor(options: MonitorOptions = {}) {
    super()
    this.#options = options
    this.observer = options.observer ?? hostname()
    this.#clock = options.clock ?? systemClock()
    this.#rng = options.rng ?? mathRng
    this.#logger = options.logger ?? noopLogger
    this.#passive = options.passive === false ? false : passiveSchema.parse(options.passive ?? {})
    this.#quorum = options.quorum ? new Quorum(options.quorum) : undefined
    this.#due = new SlotQueue(this.#clock, (entry, at) => this.#onDue(entry, at))
  }

  /** Loads the state file (if any): overrides always, verdicts if recent. Throws if it is malformed. */
  async load(): Promise<void> {
    if (!this.#options.stateFile) return
    await removeLeftovers(this.#options.stateFile)
    this.#saved = await readStateFile(this.#options.stateFile)
    for (const entry of this.#entries.values()) this.#restore(entry)
  }

  /** Adds or replaces a target. An unchanged endpoint and check keep their state and schedule. */
  add(target: MonitorTarget): EndpointStatus {
    const endpoint = normaliseEndpoint(target.endpoint)
    const parsed = monitorCheckSchema.safeParse(target.check)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new InvalidArgumentError(
        `invalid check for ${endpoint.id}: ${issue?.path.join('.') || 'check'}: ${issue?.message ?? ''}`,
      )
    }
    const check = parsed.data
    if (check.kind === 'custom' && !target.probe) {
      throw new InvalidArgumentError(`check kind "custom" for ${endpoint.id} needs a probe function`)
    }
    const checkKey = JSON.stringify([check, endpoint, target.pool])
    const existing = this.#entries.get(endpoint.id)
    if (existing && existing.checkKey === checkKey && existing.custom === target.probe) {
      return this.#status(existing)
    }
    const timing = checkTiming(check)
    const thresholds = thresholdsFor(timing, {
      ...(this.#options.coldStart ? { coldStart: this.#options.coldStart } : {}),
      ...(this.#options.damping === undefined ? {} : { damping: this.#options.damping }),
    })
    const now = this.#clock.now()
    const entry: Entry = {
      endpoint,
      pool: target.pool,
      check,
      checkKey,
      timing,
      thresholds,
      custom: target.probe,
      probe: target.probe
        ? customProbe(target.probe)
        : probeFor(check as Exclude<MonitorCheck, { kind: 'custom' }>),
      // A changed check keeps what is known about the endpoint; only a new endpoint starts unknown.
      health: existing?.health ?? initialHealth(now),
      observed: existing?.observed ?? 'unknown',
      effective: existing?.effective ?? 'unknown',
      override: existing?.override,
      recoveredAt: existing?.recoveredAt,
      passive: existing?.passive ?? newPassiveWindow(),
      nextChangeAt: existing?.nextChangeAt ?? now,
      dueAt: undefined,
      expiryTimer: undefined,
      inflight: undefined,
    }
    if (existing) this.#cancel(existing)
    this.#entries.set(endpoint.id, entry)
    if (!existing) this.#restore(entry)
    this.#scheduleExpiry(entry)
    if (this.#running) this.#schedule(entry, this.#startDelay(entry))
    return this.#status(entry)
  }

  /** Stops probing an endpoint and forgets it (its override too). */
  remove(id: string): boolean {
    const entry = this.#entries.get(id)
    if (!entry) return false
    this.#cancel(entry)
    this.#entries.delete(id)
    this.#notifyFirstRound()
    return true
  }

  /** Makes the targets exactly these: new ones are added, missing ones removed, unchanged ones kept. */
  set(targets: readonly MonitorTarget[]): void {
    const keep = new Set<string>()
    for (const target of targets) keep.add(this.add(target).endpoint.id)
    for (const id of [...this.#entries.keys()]) if (!keep.has(id)) this.remove(id)
  }

  start(): void {
    if (this.#running) return
    this.#running = true
    for (const entry of this.#entries.values()) this.#schedule(entry, this.#startDelay(entry))
  }

  /** Stops every schedule, aborts probes in flight and waits for the state file to be written. */
  async stop(): Promise<void> {
    this.#running = false
    for (const entry of this.#entries.values()) this.#cancel(entry)
    this.#due.clear()
    for (const resolve of this.#firstRoundWaiters) resolve()
    this.#firstRoundWaiters.clear()
    await this.#persisting
  }

  /**
   * Waits for pending state file writes. Rejects with NINES_ERR_STATE_FILE_WRITE (naming the file, with the
   * cause) when the most recent write failed: an override is then in force but would not survive a
   * restart, and the operator must be told so. Resolves at once without a state file.
   */
  async flush(): Promise<void> {
    await this.#persisting
    const file = this.#options.stateFile
    if (file === undefined || this.#writeError === undefined) return
    const cause = this.#writeError
    const why = cause instanceof Error ? cause.message : String(cause)
    throw new NinesError('NINES_ERR_STATE_FILE_WRITE', `cannot write state file ${file}: ${why}`, { cause })
  }

  /**
   * Resolves when every endpoint has a verdict (its first probe round is complete), or when `capMs`
   * passes; the boolean says which. Answering before then would be answering from ignorance.
   */
  firstRound(capMs = 10_000): Promise<boolean> {
    if (this.#firstRoundDone()) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = this.#clock.setTimeout(() => {
        this.#firstRoundWaiters.delete(done)
        resolve(this.#firstRoundDone())
      }, capMs)
      const done = (): void => {
        timer.cancel()
        this.#firstRoundWaiters.delete(done)
        resolve(this.#firstRoundDone())
      }
      this.#firstRoundWaiters.add(done)
    })
  }

  get(id: string): EndpointStatus | undefined {
    const entry = this.#entries.get(id)
    return entry && this.#status(entry)
  }

  list(): EndpointStatus[] {
    return [...this.#entries.values()].map((entry) => this.#status(entry))
  }

  /**
   * Forces a state (kept beside the observed one, persisted: await flush() to know it was saved). Returns
   * undefined for an unknown id; throws InvalidArgumentError for a ttlMs or expiresAt that is not a number
   * or lies more than maxOverrideTtlMs ahead.
   */
  setOverride(id: string, input: OverrideInput): EndpointStatus | undefined {
    const entry = this.#entries.get(id)
    if (!entry) return undefined
    const now = this.#clock.now()
    const expiresAt = overrideExpiry(input, now)
    entry.override = {
      state: input.state,
      reason: input.reason,
      planned: input.planned ?? input.state === 'drain',
      setAt: now,
      ...(expiresAt === undefined ? {} : { expiresAt }),
    }
    this.#scheduleExpiry(entry)
    this.#update(entry, `override ${input.state}: ${input.reason}`)
    this.#persist()
    return this.#status(entry)
  }

  clearOverride(id: string): EndpointStatus | undefined {
    const entry = this.#entries.get(id)
    if (!entry) return undefined
    if (entry.override) {
      entry.override = undefined
      entry.expiryTimer?.cancel()
      this.#update(entry, 'override cleared')
      this.#persist()
    }
    return this.#status(entry)
  }

  /**
   * A passive signal from a data plane (an observed request). Enough failures in the window mark the
   * endpoint down; a passive success never overrules an active failure.
   */
  report(id: string, observation: { ok: boolean; latencyMs: number; detail?: string }): void {
    const entry = this.#entries.get(id)
    if (!entry || this.#passive === false) return
    const now = this.#clock.now()
    const { window, down, reason } = recordPassive(entry.passive, observation, this.#passive, now)
    entry.passive = window
    if (!down || entry.health.observed === 'down') return
    const observed = combineActivePassive(entry.health.observed, true)
    entry.health = {
      ...entry.health,
      observed,
      successes: 0,
      failures: entry.thresholds.fall,
      since: now,
      reason,
    }
    entry.nextChangeAt =
      now + entry.timing.downIntervalMs + (entry.thresholds.rise - 1) * entry.timing.fastIntervalMs
    this.#update(entry, reason)
    // Probe again on the down schedule so active checks decide when it comes back.
    if (this.#running && !entry.inflight)
      this.#schedule(entry, this.#jittered(entry, entry.timing.downIntervalMs))
  }

  /** Accepts a remote observer's verdict (quorum). Carrying verdicts between machines is not done here. */
  acceptVerdict(verdict: Verdict): void {
    if (!this.#quorum) return
    this.#quorum.accept(verdict)
    const entry = this.#entries.get(verdict.endpointId)
    if (entry) this.#update(entry, `verdict from ${verdict.observer}: ${verdict.observed}`)
  }

  #status(entry: Entry): EndpointStatus {
    const now = this.#clock.now()
    const override = overrideActive(entry.override, now) ? entry.override : undefined
    return {
      endpoint: entry.endpoint,
      pool: entry.pool,
      observed: entry.observed,
      override,
      effective: entry.effective,
      since: entry.health.since,
      reason: entry.health.reason,
      lastResult: entry.health.lastResult,
      lastProbeAt: entry.health.lastProbeAt,
      suppressed: entry.health.suppressed,
      nextChangeAt: entry.nextChangeAt,
      recoveredAt: entry.recoveredAt,
    }
  }

  #restore(entry: Entry): void {
    const saved = this.#saved
    if (!saved) return
    const now = this.#clock.now()
    const override = saved.overrides[entry.endpoint.id]
    if (override && overrideActive(override, now)) entry.override = override
    const verdict = saved.endpoints[entry.endpoint.id]
    const maxAge = this.#options.maxSavedStateAgeMs ?? 300_000
    if (
      verdict &&
      verdict.observed !== 'unknown' &&
      now - saved.savedAt <= maxAge &&
      entry.observed === 'unknown'
    ) {
      entry.health = {
        ...initialHealth(verdict.since, verdict.observed),
        reason: `restored: ${verdict.reason}`,
      }
      // Restored while recovering: answers keep their short TTL.
      entry.recoveredAt = verdict.recoveredAt
    }
    entry.observed = entry.health.observed
    entry.effective = effectiveState(entry.observed, entry.override, now)
    if (entry.effective !== 'up') entry.recoveredAt = undefined
    this.#scheduleExpiry(entry)
  }

  #startDelay(entry: Entry): number {
    // Spread first probes over the interval so a thousand endpoints never fire together.
    return Math.floor(this.#rng.next() * Math.min(entry.timing.intervalMs, entry.timing.fastIntervalMs))
  }

  #jittered(entry: Entry, delayMs: number): number {
    const spread = entry.timing.jitter * (this.#rng.next() * 2 - 1)
    return Math.max(1, Math.round(delayMs * (1 + spread)))
  }

  #schedule(entry: Entry, delayMs: number): void {
    // Probes fire on a coarse grid (a tenth of the interval, at most 100 ms; rounded to the nearest slot, so
    // intervals keep their mean) so one wake-up of the event loop starts many of them: with a thousand
    // endpoints at 1 s that is 10 wake-ups a second instead of a thousand, which measured about a third less
    // CPU. Jitter still spreads probes over the slots.
    const now = this.#clock.now()
    const grid = Math.min(maxGridMs, Math.max(1, Math.floor(entry.timing.intervalMs / 10)))
    const at = Math.max(now + 1, Math.round((now + delayMs) / grid) * grid)
    entry.dueAt = at
    this.#due.add(at, entry)
  }

  /** A slot came: probe the entry unless it was rescheduled or cancelled since. */
  #onDue(entry: Entry, at: number): void {
    if (entry.dueAt !== at) return
    entry.dueAt = undefined
    void this.#probe(entry)
  }

  async #probe(entry: Entry): Promise<void> {
    if (entry.inflight || !this.#running) return
    const handle: RunHandle = { cancelled: false, cancel: undefined }
    entry.inflight = handle
    const { timeoutMs, retries } = entry.timing
    const result = await runCancellable(entry.probe, entry.endpoint, { timeoutMs, retries }, handle)
    entry.inflight = undefined
    // Removed, replaced or stopped while the probe ran: its result belongs to nobody.
    if (handle.cancelled || this.#entries.get(entry.endpoint.id) !== entry) return
    const now = this.#clock.now()
    const outcome = transition(entry.health, result, entry.thresholds, now)
    entry.health = outcome.state
    entry.nextChangeAt = outcome.nextChangeAtMs
    this.emit('probe', {
      endpoint: entry.endpoint,
      pool: entry.pool,
      result,
      observer: this.observer,
      at: now,
    })
    this.#update(entry, outcome.reason)
    this.#schedule(entry, this.#jittered(entry, nextProbeDelayMs(entry.health, entry.thresholds)))
  }

  /** Recomputes observed (local or quorum) and effective state; tells and persists what changed. */
  #update(entry: Entry, reason: string): void {
    const now = this.#clock.now()
    let observed = entry.health.observed
    let observer = this.observer
    if (this.#quorum) {
      this.#quorum.accept({ observer: this.observer, endpointId: entry.endpoint.id, observed, at: now })
      observed = this.#quorum.decide(entry.endpoint.id, now).observed
      observer = 'quorum'
    }
    const effective = effectiveState(observed, entry.override, now)
    const from = entry.observed
    const effectiveFrom = entry.effective
    entry.observed = observed
    entry.effective = effective
    if (from === observed && effectiveFrom === effective) return
    if (effective !== effectiveFrom) {
      // Up after down or drain is a recovery; up after unknown is a first result.
      const recovered = effective === 'up' && effectiveFrom !== 'unknown'
      entry.recoveredAt = recovered ? now : undefined
    }
    const override = overrideActive(entry.override, now) ? entry.override : undefined
    const event = {
      endpoint: entry.endpoint,
      pool: entry.pool,
      from,
      to: observed,
      effectiveFrom,
      effectiveTo: effective,
      reason,
      observer,
      override,
      at: now,
    }
    this.#logger.info(
      { endpoint: entry.endpoint.id, pool: entry.pool, from, to: observed, effective, reason, observer },
      'endpoint state changed',
    )
    this.emit('transition', event)
    if (from !== observed) this.#persist()
    this.#notifyFirstRound()
  }

  #scheduleExpiry(entry: Entry): void {
    entry.expiryTimer?.cancel()
    entry.expiryTimer = undefined
    const expiresAt = entry.override?.expiresAt
    if (expiresAt === undefined) return
    const delayMs = Math.max(0, expiresAt - this.#clock.now())
    entry.expiryTimer = this.#clock.setTimeout(
      () => {
        entry.expiryTimer = undefined
        // A saved override further ahead than a timer reaches (written by an older version): wait again.
        if (delayMs > maxOverrideTtlMs) return this.#scheduleExpiry(entry)
        this.#update(entry, 'override expired')
        this.#persist()
      },
      Math.min(delayMs, maxOverrideTtlMs),
    )
  }

  #cancel(entry: Entry): void {
    entry.dueAt = undefined
    entry.expiryTimer?.cancel()
    entry.expiryTimer = undefined
    if (entry.inflight) {
      entry.inflight.cancelled = true
      entry.inflight.cancel?.()
    }
    entry.inflight = undefined
  }

  #firstRoundDone(): boolean {
    for (const entry of this.#entries.values()) if (entry.health.observed === 'unknown') return false
    return true
  }

  #notifyFirstRound(): void {
    if (this.#firstRoundWaiters.size === 0 || !this.#firstRoundDone()) return
    for (const resolve of [...this.#firstRoundWaiters]) resolve()
  }

  /** Serialised, atomic writes: the newest state always wins and a crash never tears the file. */
  #persist(): void {
    const file = this.#options.stateFile
    if (!file) return
    this.#persisting = this.#persisting
      .then(() => writeStateFile(file, this.#snapshot()))
      .then(
        () => (this.#writeError = undefined),
        (error: unknown) => {
          this.#writeError = error
          this.#logger.error({ err: error, file }, 'cannot write state file')
        },
      )
  }

  #snapshot(): StateFile {
    const now = this.#clock.now()
    const endpoints: StateFile['endpoints'] = {}
    const overrides: Record<string, Override> = {}
    for (const [id, entry] of this.#entries) {
      endpoints[id] = {
        observed: entry.health.observed,
        since: entry.health.since,
        reason: entry.health.reason,
        ...(entry.recoveredAt === undefined ? {} : { recoveredAt: entry.recoveredAt }),
      }
      if (overrideActive(entry.override, now)) overrides[id] = entry.override
    }
    return { version: 1, savedAt: now, endpoints, overrides }
  }
}

/** When an override ends, if ever; a time a timer cannot reach is refused rather than expiring at once. */
function overrideExpiry(input: OverrideInput, now: number): number | undefined {
  const { expiresAt, ttlMs } = input
  if (expiresAt !== undefined) {
    if (!Number.isFinite(expiresAt) || expiresAt - now > maxOverrideTtlMs) {
      throw new InvalidArgumentError(
        `expiresAt: expected at most ${maxOverrideTtlMs} ms ahead, got ${expiresAt} (now ${now})`,
      )
    }
    return expiresAt
  }
  if (ttlMs === undefined) return undefined
  if (!Number.isFinite(ttlMs) || ttlMs < 1 || ttlMs > maxOverrideTtlMs) {
    throw new InvalidArgumentError(`ttlMs: expected 1..${maxOverrideTtlMs} ms, got ${ttlMs}`)
  }
  return now + ttlMs
}

function normaliseEndpoint(input: MonitorTarget['endpoint']): Endpoint {
  return {
    id: input.id ?? endpointId(input.address, input.port),
    address: input.address,
    port: input.port,
    weight: input.weight ?? 1,
    ...(input.host === undefined ? {} : { host: input.host }),
    labels: input.labels ?? {},
  }
}
