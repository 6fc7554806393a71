import { ManualClock } from '@nines/core'
import { describe, expect, it } from 'vitest'
import type { RequestClass } from '../routes/route-schema.js'
import { Admission } from './admission.js'
import { admissionSchema, type AdmissionOptionsInput } from './options.js'

/** One phase of a simulated run: the pool's service time from `fromMs` on. */
interface SimPhase {
  readonly fromMs: number
  readonly serviceMs: number
}

interface SimOptions {
  /** Upstreams of the pool, each with `slots` served at once and a FIFO beyond (the e2e slot upstream). */
  readonly upstreams: number
  readonly slots: number
  readonly phases: readonly SimPhase[]
  readonly ratePerSec: number
  readonly durationMs: number
  /** The route's deadline (overallMs = perTryMs). */
  readonly deadlineMs: number
  readonly admission?: AdmissionOptionsInput
  readonly seed?: number
}

interface SimOutcome {
  readonly cls: RequestClass
  readonly at: number
  readonly result: 'ok' | 'shed' | 'timeout'
}

interface Job {
  readonly sentAt: number
  readonly deadline: number
  readonly done: (finishedAt: number | undefined) => void
}

/** mulberry32, as the e2e's load generator. */
function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve))

/**
 * The busy-hour e2e (e2e/src/edge-busy-hour.test.ts) in simulated time: open-loop arrivals (critical 20 %, normal 50 %, sheddable 30 %)
 * through one `Admission` to slot upstreams (least outstanding first). A request past its deadline is a
 * timeout: its permit is released as a drop, and the upstream still serves it if it started (the slot
 * stays busy), or skips it if it still waited (the caller left). Stepped 1 ms at a time.
 */
async function simulateBusyPool(options: SimOptions): Promise<{
  outcomes: SimOutcome[]
  limits: { at: number; limit: number; baselineMs: number }[]
}> {
  const clock = new ManualClock(0)
  const admission = new Admission(admissionSchema.parse(options.admission ?? {}), clock)
  const random = seeded(options.seed ?? 1)
  const serviceAt = (t: number) =>
    [...options.phases].reverse().find((p) => p.fromMs <= t)?.serviceMs ?? options.phases[0]!.serviceMs
  const upstreams = Array.from({ length: options.upstreams }, () => ({ busy: 0, queue: [] as Job[] }))
  const outcomes: SimOutcome[] = []
  const limits: { at: number; limit: number; baselineMs: number }[] = []

  const startService = (u: (typeof upstreams)[number], job: Job) => {
    u.busy++
    clock.setTimeout(() => {
      u.busy--
      job.done(clock.now())
      next(u)
    }, serviceAt(clock.now()))
  }
  const next = (u: (typeof upstreams)[number]) => {
    while (u.busy < options.slots && u.queue.length > 0) {
      const job = u.queue.shift()!
      if (clock.now() >= job.deadline) continue // the caller left
      startService(u, job)
    }
  }
  const send = (job: Job) => {
    const u = upstreams.reduce((a, b) => (b.busy + b.queue.length < a.busy + a.queue.length ? b : a))
    if (u.busy < options.slots) startService(u, job)
    else u.queue.push(job)
  }

  const request = async (cls: RequestClass, at: number) => {
    const deadline = at + options.deadlineMs
    const pending = admission.acquire(cls, deadline)
    const admit = pending instanceof Promise ? await pending : pending
    if (!admit.admitted) {
      outcomes.push({ cls, at, result: 'shed' })
      return
    }
    const sentAt = clock.now()
    let settled = false
    const finish = (finishedAt: number | undefined) => {
      if (settled) return
      settled = true
      const ok = finishedAt !== undefined && finishedAt <= deadline
      const end = ok ? finishedAt : deadline
      admit.permit.release({ rttMs: end - sentAt, dropped: !ok })
      outcomes.push({ cls, at, result: ok ? 'ok' : 'timeout' })
    }
    clock.setTimeout(() => finish(undefined), deadline - sentAt)
    send({ sentAt, deadline, done: finish })
  }

  const total = Math.round((options.ratePerSec * options.durationMs) / 1000)
  const interval = 1000 / options.ratePerSec
  let i = 0
  let lastLimit = -1
  for (let t = 0; t <= options.durationMs + options.deadlineMs; t++) {
    while (i < total && i * interval <= t) {
      const r = random()
      const cls: RequestClass = r < 0.2 ? 'critical' : r < 0.7 ? 'normal' : 'sheddable'
      void request(cls, t)
      i++
    }
    await flush()
    clock.advance(1)
    await flush()
    if (admission.limit !== lastLimit) {
      lastLimit = admission.limit
      limits.push({ at: t, limit: lastLimit, baselineMs: admission.baselineMs })
    }
  }
  return { outcomes, limits }
}

const classes = ['critical', 'normal', 'sheddable'] as const

/** Share of a class answered in time among the outcomes sent in [from, to). */
function success(outcomes: readonly SimOutcome[], cls: RequestClass, from: number, to: number): number {
  const mine = outcomes.filter((o) => o.cls === cls && o.at >= from && o.at < to)
  return mine.filter((o) => o.result === 'ok').length / mine.length
}

describe('Admission in front of a pool that gets slower (simulated, 3 upstreams × 4 slots of 100 ms)', () => {
  // Two thirds of capacity (80 a second; 20 % critical), deadline 1 s. Slower by `factor` from 1.5 s to
  // 7.5 s: at 5× the pool serves 24 a second, critical's 16 fit, normal's 40 and sheddable's 24 do not.
  it.each([
    { factor: 5, slots: 12 },
    { factor: 3, slots: 12 },
  ])(
    '$factor× slower: the limit settles near the slots, not at min; critical is served; fast again, all are',
    async ({ factor, slots }) => {
      const { outcomes, limits } = await simulateBusyPool({
        upstreams: 3,
        slots: 4,
        ratePerSec: 80,
        durationMs: 11_000,
        deadlineMs: 1000,
        phases: [
          { fromMs: 0, serviceMs: 100 },
          { fromMs: 1500, serviceMs: 100 * factor },
          { fromMs: 7500, serviceMs: 100 },
        ],
      })
      const text = `limits ${limits.map((l) => `${l.at}:${l.limit}/${Math.round(l.baselineMs)}`).join(' ')}`
      // Settled: from 2.5 s after the slowdown (the requests the old limit let in have drained) to the end.
      const settled = limits.filter((l) => l.at >= 4000 && l.at < 7500).map((l) => l.limit)
      const before = limits.filter((l) => l.at < 4000).at(-1)!
      expect(Math.min(before.limit, ...settled), text).toBeGreaterThanOrEqual(slots * 0.75)
      expect(Math.max(before.limit, ...settled), text).toBeLessThanOrEqual(slots * 2)
      const baseline = limits.filter((l) => l.at < 7500).at(-1)!.baselineMs
      expect(baseline, text).toBeGreaterThanOrEqual(100 * factor)
      expect(baseline, text).toBeLessThanOrEqual(100 * factor * 1.25)
      for (let s = 4000; s < 7500; s += 500)
        expect(success(outcomes, 'critical', s, s + 500), `critical from ${s} ms; ${text}`).toBe(1)
      // Hardly a request of the settled phase timed out: the ones that cannot make it are shed first.
      const timeouts = outcomes.filter((o) => o.at >= 4000 && o.at < 7500 && o.result === 'timeout')
      expect(timeouts.length, JSON.stringify(timeouts)).toBeLessThanOrEqual(2)
      expect(success(outcomes, 'sheddable', 4000, 7500)).toBeLessThanOrEqual(
        success(outcomes, 'normal', 4000, 7500),
      )
      // The way back: a second after the pool is fast again, every class is served; the limit grew.
      for (const cls of classes) expect(success(outcomes, cls, 8500, 11_000), cls).toBe(1)
      expect(limits.at(-1)!.limit).toBeGreaterThan(slots)
    },
  )

  it('a pool that is not slower but overloaded (3× its capacity) keeps its baseline and serves critical', async () => {
    const { outcomes, limits } = await simulateBusyPool({
      upstreams: 3,
      slots: 4,
      ratePerSec: 360,
      durationMs: 5000,
      deadlineMs: 1000,
      phases: [{ fromMs: 0, serviceMs: 100 }],
    })
    const text = `limits ${limits.map((l) => `${l.at}:${l.limit}/${Math.round(l.baselineMs)}`).join(' ')}`
    expect(Math.max(...limits.map((l) => l.baselineMs)), text).toBeLessThanOrEqual(125)
    expect(success(outcomes, 'critical', 1000, 5000), text).toBeGreaterThanOrEqual(0.999)
    expect(success(outcomes, 'sheddable', 1000, 5000), text).toBeLessThan(0.5)
  })
})
