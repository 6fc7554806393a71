import type { Clock, Timer } from '@nines/core'
import type { RequestClass } from '../routes/route-schema.js'
import { ClassQueue } from './class-queue.js'
import { GradientLimit } from './gradient-limit.js'
import type { AdmissionOptions } from './options.js'

export type ShedReason = 'queue-full' | 'queue-timeout' | 'deadline' | 'evicted' | 'closed'

/** A place in the pool's limit, held until the request's attempt(s) at the pool end. */
export interface Permit {
  /**
   * Gives the place back; idempotent. With a sample the limit learns from this request; without one (the
   * client left, the request never reached the pool) it learns nothing.
   */
  release(sample?: { readonly rttMs: number; readonly dropped: boolean }): void
}

export type Admit =
  | { readonly admitted: true; readonly permit: Permit; readonly queuedMs: number }
  | { readonly admitted: false; readonly reason: ShedReason; readonly queuedMs: number }

export interface AdmissionSnapshot {
  readonly limit: number
  readonly inflight: Record<RequestClass, number>
  readonly queued: Record<RequestClass, number>
  /** Cumulative totals since start, for counters. */
  readonly admitted: Record<RequestClass, number>
  readonly shed: Record<RequestClass, Record<ShedReason, number>>
}

interface Waiter {
  readonly enqueuedAt: number
  /** The request's own deadline (epoch ms). */
  readonly deadline: number
  readonly expiresAt: number
  /** Why it is shed if nothing frees up by `expiresAt`. */
  readonly expiry: 'queue-timeout' | 'deadline'
  readonly settle: (admit: Admit) => void
}

/** Draining order: the most critical waiters first. */
const classes: readonly RequestClass[] = ['critical', 'normal', 'sheddable']
const reasons: readonly ShedReason[] = ['queue-full', 'queue-timeout', 'deadline', 'evicted', 'closed']
const perClass = <T>(make: (cls: RequestClass) => T): Record<RequestClass, T> => ({
  critical: make('critical'),
  normal: make('normal'),
  sheddable: make('sheddable'),
})
/** Sheds decided at once share one frozen answer each: the fast path allocates nothing for them. */
const shedAtOnce = Object.fromEntries(
  reasons.map((reason) => [reason, Object.freeze({ admitted: false, reason, queuedMs: 0 })]),
) as Record<ShedReason, Admit>

/**
 * Admission to one pool (Netflix's partitioned limiter with SRE criticality): an adaptive limit
 * (`GradientLimit`), a guaranteed share of it for `critical` and `normal`, spare capacity lent to anyone,
 * and a bounded CoDel queue per class (`ClassQueue`). No request waits past its own deadline.
 *
 * `enabled: false` is the caller's business: it builds no `Admission` and lets every request through.
 */
export class Admission {
  #options: AdmissionOptions
  readonly #clock: Clock
  readonly #limit: GradientLimit
  readonly #queues = perClass(() => new ClassQueue<Waiter>())
  readonly #inflight = perClass(() => 0)
  readonly #admitted = perClass(() => 0)
  readonly #shed = perClass(
    () => Object.fromEntries(reasons.map((r) => [r, 0])) as Record<ShedReason, number>,
  )
  #total = 0
  #closed = false
  /** One timer for the earliest expiry of all waiters, not one per waiter. */
  #timer: Timer | undefined
  #timerAt = Infinity

  /** `selfDelayMs`: the router's own event-loop delay (`LoopDelay`), which no limit can cure. */
  constructor(
    options: AdmissionOptions,
    clock: Clock,
    onLimit?: (limit: number) => void,
    selfDelayMs?: () => number,
  ) {
    this.#options = options
    this.#clock = clock
    this.#limit = new GradientLimit(options.limit, clock, onLimit, selfDelayMs)
  }

  get limit(): number {
    return this.#limit.limit
  }

  /** The limit's baseline RTT, for tests and metrics. */
  get baselineMs(): number {
    return this.#limit.baselineMs
  }

  /**
   * A place for one request of class `cls` that must be answered by `deadline` (epoch ms). Sync when it
   * is admitted or shed at once, so the fast path allocates no promise; a Promise when it queues.
   */
  acquire(cls: RequestClass, deadline: number): Admit | Promise<Admit> {
    const now = this.#clock.now()
    if (this.#closed) return this.#shedNow(cls, 'closed')
    if (deadline <= now) return this.#shedNow(cls, 'deadline')
    const queue = this.#queues[cls]
    if (queue.length === 0 && this.#fits(cls))
      return { admitted: true, permit: this.#grant(cls, deadline - now), queuedMs: 0 }
    const { maxLength, targetMs, intervalMs } = this.#options.queue
    if (maxLength === 0) return this.#shedNow(cls, 'queue-full')
    // A full queue of a higher class takes the place of the newest lower waiter, so it may exceed
    // maxLength; the pool's waiters never exceed maxLength per class in all.
    const full = queue.length >= maxLength || this.#queued() >= maxLength * classes.length
    if (full && !this.#evictBelow(cls, now)) return this.#shedNow(cls, 'queue-full')
    // Critical is shed last: it waits until its own deadline (its queue is drained first, every release
    // is its, and a late answer to a payment beats a 503). CoDel's bound shed critical requests 20 ms, and
    // on a starved machine 100 ms, into their wait at 3× capacity. Its queue's length still bounds it.
    // CoDel's interval is on the order of the RTT through the bottleneck (RFC 8289 §4.3): a burst's waiter
    // may wait for the requests ahead of it to finish. With 100 ms on a pool answering in 100 ms, half of a
    // burst of 50 was shed though the pool served all of it in two RTTs (npm run bench:stampede). Twice
    // the RTT let a 5× slower pool's normal requests queue into their deadline (slow-pool.test.ts).
    const interval = Math.max(intervalMs, this.#limit.expectedRttMs + targetMs)
    const leaveBy = cls === 'critical' ? Infinity : queue.leaveBy(now, targetMs, interval)
    // A request admitted later than its deadline less the pool's RTT would time out at the pool: it would
    // hold a place a request that can still make it needs, count as a drop (the limit falls) and a
    // timeout against the endpoint (passive ejection took one of three upstreams out that way). It
    // waits no longer than that; one that cannot make it even now is shed at once.
    const lastChance = deadline - this.#limit.expectedRttMs
    if (lastChance <= now) return this.#shedNow(cls, 'deadline')
    return new Promise<Admit>((settle) => {
      const expiresAt = Math.min(lastChance, leaveBy)
      const expiry = lastChance <= leaveBy ? 'deadline' : 'queue-timeout'
      queue.push({ enqueuedAt: now, deadline, expiresAt, expiry, settle }, now)
      this.#arm(expiresAt, now)
    })
  }

  snapshot(): AdmissionSnapshot {
    return {
      limit: this.limit,
      inflight: { ...this.#inflight },
      queued: perClass((cls) => this.#queues[cls].length),
      admitted: { ...this.#admitted },
      shed: perClass((cls) => ({ ...this.#shed[cls] })),
    }
  }

  /** Sheds every waiter with `'closed'` and every later arrival; permits held may still be released. */
  close(): void {
    this.#closed = true
    this.#disarm()
    const now = this.#clock.now()
    for (const cls of classes)
      for (const waiter of this.#queues[cls].takeAll()) this.#shed1(cls, waiter, 'closed', now)
  }

  /** A reload: the limit (clamped to the new min and max), the requests in flight and the waiters stay. */
  setOptions(options: AdmissionOptions): void {
    this.#options = options
    this.#limit.setOptions(options.limit)
    this.#drain()
  }

  /**
   * Its guaranteed share, or whatever is spare. Critical may push the total over the limit by its share.
   * Normal's share holds against sheddable, not against critical: while a critical request waits, normal
   * gets no place over the limit (at 3× capacity with 20 % critical, critical needs 60 % of the pool, more
   * than its own share, and normal filling its share over the limit shed critical requests).
   */
  #fits(cls: RequestClass): boolean {
    const limit = this.#limit.limit
    if (this.#total < limit) return true
    if (cls === 'sheddable' || (cls === 'normal' && this.#queues.critical.length > 0)) return false
    return this.#inflight[cls] < Math.floor(this.#options.shares[cls] * limit)
  }

  /** `budgetMs`: the request's time from arrival to its deadline, which caps the RTT the limit aims at. */
  #grant(cls: RequestClass, budgetMs: number): Permit {
    this.#inflight[cls]++
    this.#total++
    this.#admitted[cls]++
    let held = true
    return {
      release: (sample) => {
        if (!held) return
        held = false
        // The inflight count includes this request, as it was when it finished.
        if (sample) this.#limit.update({ ...sample, inflight: this.#total, budgetMs })
        this.#inflight[cls]--
        this.#total--
        this.#drain()
      },
    }
  }

  /**
   * Admits waiters in class order, each only if the rule of `#fits` admits it; a waiter whose deadline
   * the pool's RTT (which may have grown since it came) would now overrun is shed instead.
   */
  #drain(): void {
    if (this.#closed) return
    const now = this.#clock.now()
    const rtt = this.#limit.expectedRttMs
    for (const cls of classes) {
      const queue = this.#queues[cls]
      while (queue.length > 0 && this.#fits(cls)) {
        const waiter = queue.shift()!
        const queuedMs = now - waiter.enqueuedAt
        if (waiter.deadline - rtt <= now) this.#shed1(cls, waiter, 'deadline', now)
        else
          waiter.settle({
            admitted: true,
            permit: this.#grant(cls, waiter.deadline - waiter.enqueuedAt),
            queuedMs,
          })
      }
    }
    if (this.#queued() === 0) this.#disarm()
  }

  /** The newest waiter of the lowest class below `cls` makes room; false when there is none. */
  #evictBelow(cls: RequestClass, now: number): boolean {
    for (let i = classes.length - 1; i > classes.indexOf(cls); i--) {
      const lower = classes[i]!
      const waiter = this.#queues[lower].pop()
      if (waiter) {
        this.#shed1(lower, waiter, 'evicted', now)
        return true
      }
    }
    return false
  }

  #expire(): void {
    this.#timer = undefined
    this.#timerAt = Infinity
    const now = this.#clock.now()
    let next = Infinity
    for (const cls of classes) {
      const queue = this.#queues[cls]
      for (const waiter of queue.takeExpired(now)) this.#shed1(cls, waiter, waiter.expiry, now)
      next = Math.min(next, queue.earliestExpiry())
    }
    if (next !== Infinity) this.#arm(next, now)
  }

  #arm(at: number, now: number): void {
    if (at >= this.#timerAt) return
    this.#timer?.cancel()
    this.#timerAt = at
    this.#timer = this.#clock.setTimeout(() => this.#expire(), at - now)
  }

  #disarm(): void {
    this.#timer?.cancel()
    this.#timer = undefined
    this.#timerAt = Infinity
  }

  #queued(): number {
    return this.#queues.critical.length + this.#queues.normal.length + this.#queues.sheddable.length
  }

  #shedNow(cls: RequestClass, reason: ShedReason): Admit {
    this.#shed[cls][reason]++
    return shedAtOnce[reason]
  }

  #shed1(cls: RequestClass, waiter: Waiter, reason: ShedReason, now: number): void {
    this.#shed[cls][reason]++
    waiter.settle({ admitted: false, reason, queuedMs: now - waiter.enqueuedAt })
  }
}
