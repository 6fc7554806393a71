import { ManualClock } from '@nines/core'
import { describe, expect, it } from 'vitest'
import type { RequestClass } from '../routes/route-schema.js'
import { Admission, type Admit, type Permit } from './admission.js'
import { admissionSchema, type AdmissionOptionsInput } from './options.js'

const FAR = 60_000

function setup(options: AdmissionOptionsInput = {}) {
  const clock = new ManualClock()
  const limits: number[] = []
  const admission = new Admission(admissionSchema.parse(options), clock, (l) => limits.push(l))
  /** Acquires and expects an answer at once. */
  const now = (cls: RequestClass, deadlineMs = FAR): Admit => {
    const admit = admission.acquire(cls, clock.now() + deadlineMs)
    if (admit instanceof Promise) throw new Error(`${cls} queued`)
    return admit
  }
  const permit = (cls: RequestClass): Permit => {
    const admit = now(cls)
    if (!admit.admitted) throw new Error(`${cls} shed: ${admit.reason}`)
    return admit.permit
  }
  /** Acquires and records how (and when) the answer came. */
  const wait = (cls: RequestClass, deadlineMs = FAR) => {
    const admit = admission.acquire(cls, clock.now() + deadlineMs)
    const box: { admit?: Admit; at?: number } = {}
    if (admit instanceof Promise) void admit.then((a) => Object.assign(box, { admit: a, at: clock.now() }))
    else Object.assign(box, { admit, at: clock.now() })
    return box
  }
  return { clock, admission, limits, now, permit, wait }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve))
const outcome = (box: { admit?: Admit }) =>
  box.admit === undefined ? 'waiting' : box.admit.admitted ? 'admitted' : box.admit.reason

describe('Admission', () => {
  it('admits synchronously on the fast path, no promise', () => {
    const { now, admission } = setup()
    const admit = now('normal')
    expect(admit).toMatchObject({ admitted: true, queuedMs: 0 })
    expect(admission.snapshot().inflight).toEqual({ critical: 0, normal: 1, sheddable: 0 })
  })

  it('sheds a request whose deadline has passed, at once', () => {
    const { now, admission } = setup()
    expect(now('critical', 0)).toEqual({ admitted: false, reason: 'deadline', queuedMs: 0 })
    expect(admission.snapshot().shed.critical.deadline).toBe(1)
  })

  it('keeps the guaranteed share of critical when sheddable filled the limit', () => {
    const { now, permit, admission, clock } = setup() // limit 20, critical share 10, normal share 6
    for (let i = 0; i < 20; i++) permit('sheddable')
    for (let i = 0; i < 10; i++) expect(now('critical').admitted).toBe(true)
    for (let i = 0; i < 6; i++) expect(now('normal').admitted).toBe(true)
    expect(admission.snapshot().inflight).toEqual({ critical: 10, normal: 6, sheddable: 20 }) // 36 > limit 20
    expect(admission.acquire('critical', clock.now() + FAR)).toBeInstanceOf(Promise) // past its share: it waits
    expect(admission.acquire('normal', clock.now() + FAR)).toBeInstanceOf(Promise)
  })

  it('gives normal no place over the limit while a critical request waits, and its share again after', async () => {
    const { now, permit, wait } = setup() // limit 20, critical share 10, normal share 6
    const held = Array.from({ length: 20 }, () => permit('critical')) // past critical's share
    const critical = wait('critical')
    const normal = wait('normal') // its share is free, but a critical request waits first
    await flush()
    expect([outcome(critical), outcome(normal)]).toEqual(['waiting', 'waiting'])
    held[0]!.release()
    await flush()
    expect([outcome(critical), outcome(normal)]).toEqual(['admitted', 'admitted'])
    expect(now('normal').admitted).toBe(true) // no critical waits: normal's share holds again
  })

  it('queues or sheds sheddable when the limit is full while critical is still admitted', async () => {
    const { now, permit, wait } = setup({ queue: { maxLength: 1 } })
    for (let i = 0; i < 20; i++) permit('normal')
    const queued = wait('sheddable')
    expect(now('sheddable')).toEqual({ admitted: false, reason: 'queue-full', queuedMs: 0 })
    expect(now('critical').admitted).toBe(true)
    await flush()
    expect(outcome(queued)).toBe('waiting')
  })

  it('sheds at once when maxLength is 0', () => {
    const { now, permit } = setup({ queue: { maxLength: 0 } })
    for (let i = 0; i < 20; i++) permit('normal')
    expect(now('sheddable')).toMatchObject({ admitted: false, reason: 'queue-full' })
    expect(now('critical').admitted).toBe(true) // its share still holds
  })

  it('drains waiters in class order: critical, normal, sheddable', async () => {
    const { permit, wait, clock } = setup({
      limit: { initial: 4, min: 4 },
      shares: { critical: 0, normal: 0 },
    })
    const held = [permit('normal'), permit('normal'), permit('normal'), permit('normal')]
    const order: string[] = []
    const boxes = (['sheddable', 'normal', 'critical', 'sheddable', 'critical'] as const).map((cls, i) => {
      const box = wait(cls)
      return { name: `${cls}${i}`, box }
    })
    for (const p of held) {
      clock.advance(1)
      p.release()
      await flush()
      for (const { name, box } of boxes) if (box.admit && !order.includes(name)) order.push(name)
    }
    expect(order).toEqual(['critical2', 'critical4', 'normal1', 'sheddable0'])
    expect(boxes[2]!.box.admit).toMatchObject({ admitted: true, queuedMs: 1 })
  })

  it('evicts the newest sheddable waiter for a critical arrival when the queue is full', async () => {
    const { permit, wait, admission } = setup({ queue: { maxLength: 2 } })
    for (let i = 0; i < 20; i++) permit('critical') // over its share of 10: critical waits too
    const c1 = wait('critical')
    const c2 = wait('critical')
    const s1 = wait('sheddable')
    const s2 = wait('sheddable')
    const c3 = wait('critical')
    await flush()
    expect([c1, c2, s1, s2, c3].map(outcome)).toEqual(['waiting', 'waiting', 'waiting', 'evicted', 'waiting'])
    expect(admission.snapshot().shed.sheddable.evicted).toBe(1)
    const s3 = wait('sheddable') // its queue has room again
    const s4 = wait('sheddable') // but the pool holds 2 waiters per class in all
    await flush()
    expect([s3, s4].map(outcome)).toEqual(['waiting', 'queue-full'])
    expect(admission.snapshot().queued).toEqual({ critical: 3, normal: 0, sheddable: 2 })
  })

  it('sheds the arrival when the queue is full and no lower class waits', async () => {
    const { permit, wait } = setup({ queue: { maxLength: 1 }, shares: { normal: 0 } })
    for (let i = 0; i < 20; i++) permit('critical')
    const s = wait('sheddable')
    const n1 = wait('normal')
    const n2 = wait('normal') // evicts s
    const n3 = wait('normal')
    await flush()
    expect([s, n1, n2, n3].map(outcome)).toEqual(['evicted', 'waiting', 'waiting', 'queue-full'])
  })

  describe('CoDel', () => {
    it('lets a waiter wait up to intervalMs while the queue empties now and then', async () => {
      const { permit, wait, clock } = setup()
      for (let i = 0; i < 20; i++) permit('normal')
      const w = wait('sheddable')
      clock.advance(99)
      await flush()
      expect(outcome(w)).toBe('waiting')
      clock.advance(1)
      await flush()
      expect(w.admit).toEqual({ admitted: false, reason: 'queue-timeout', queuedMs: 100 })
    })

    it('switches to targetMs once the queue has stood for intervalMs, and back once it empties', async () => {
      const { permit, wait, clock } = setup({ queue: { targetMs: 5 } })
      const held: Permit[] = []
      for (let i = 0; i < 20; i++) held.push(permit('normal'))
      const first = wait('sheddable') // t=0: the queue is not empty from here on
      clock.advance(98)
      const a = wait('sheddable') // t=98: may wait until the queue has stood for 100 ms, then 5 ms
      clock.advance(2) // t=100: standing; first has waited 100 ms, a only 2
      const b = wait('sheddable') // t=100: a standing queue, so 5 ms
      await flush()
      expect([first, a, b].map(outcome)).toEqual(['queue-timeout', 'waiting', 'waiting'])
      clock.advance(3)
      await flush()
      expect(a.admit).toEqual({ admitted: false, reason: 'queue-timeout', queuedMs: 5 })
      expect(outcome(b)).toBe('waiting')
      clock.advance(2)
      await flush()
      expect(b.admit).toEqual({ admitted: false, reason: 'queue-timeout', queuedMs: 5 })
      // Empty now: the next waiter may wait up to intervalMs again.
      const fresh = wait('sheddable')
      clock.advance(99)
      await flush()
      expect(outcome(fresh)).toBe('waiting')
      held[0]!.release()
      await flush()
      expect(fresh.admit).toMatchObject({ admitted: true, queuedMs: 99 })
    })

    it("waits at least the pool's RTT (+ targetMs): a burst on a slow pool is absorbed, not shed", async () => {
      const { permit, wait, clock, admission } = setup()
      // The pool answers in 150 ms: two windows of samples set the baseline.
      for (let w = 0; w < 3; w++) {
        const batch = Array.from({ length: 10 }, () => permit('normal'))
        clock.advance(150)
        for (const p of batch) p.release({ rttMs: 150, dropped: false })
      }
      expect(admission.baselineMs).toBe(150)
      const limit = admission.limit
      const held = Array.from({ length: limit }, () => permit('normal'))
      const burst = Array.from({ length: 5 }, () => wait('normal'))
      clock.advance(150) // intervalMs (100) has passed; the requests ahead finish only now
      await flush()
      expect(burst.map(outcome)).toEqual(Array(5).fill('waiting'))
      for (const p of held.slice(0, 5)) p.release({ rttMs: 150, dropped: false })
      await flush()
      expect(burst.map(outcome)).toEqual(Array(5).fill('admitted'))
      // Still bounded: one more waiter leaves after 150 + 20 ms.
      const late = wait('normal')
      clock.advance(169)
      await flush()
      expect(outcome(late)).toBe('waiting')
      clock.advance(1)
      await flush()
      expect(late.admit).toEqual({ admitted: false, reason: 'queue-timeout', queuedMs: 170 })
    })

    it('lets critical wait until its deadline even in a standing queue: it is shed last', async () => {
      const { permit, wait, clock } = setup({ queue: { targetMs: 5 } })
      for (let i = 0; i < 20; i++) permit('critical')
      const first = wait('critical', 1000)
      clock.advance(500)
      await flush()
      expect(outcome(first)).toBe('waiting') // normal would have left after 100 ms
      clock.advance(500)
      await flush()
      expect(first.admit).toEqual({ admitted: false, reason: 'deadline', queuedMs: 1000 })
    })

    it('ends a wait at the request deadline when that comes first', async () => {
      const { permit, wait, clock } = setup()
      for (let i = 0; i < 20; i++) permit('normal')
      const w = wait('sheddable', 30)
      clock.advance(30)
      await flush()
      expect(w.admit).toEqual({ admitted: false, reason: 'deadline', queuedMs: 30 })
    })
  })

  it('never lets a queued request wait past its deadline (random arrivals and releases)', async () => {
    let seed = 7
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31
    const { admission, clock } = setup({ limit: { initial: 8, min: 4, max: 16 }, queue: { maxLength: 5 } })
    const held: Permit[] = []
    const queued: { start: number; deadline: number; box: { admit?: Admit } }[] = []
    const classes = ['critical', 'normal', 'sheddable'] as const
    for (let step = 0; step < 2000; step++) {
      const deadline = clock.now() + 1 + Math.floor(random() * 150)
      const admit = admission.acquire(classes[Math.floor(random() * 3)]!, deadline)
      if (admit instanceof Promise) {
        const box: { admit?: Admit } = {}
        queued.push({ start: clock.now(), deadline, box })
        void admit.then((a) => {
          box.admit = a
          if (a.admitted) held.push(a.permit)
        })
      } else if (admit.admitted) held.push(admit.permit)
      if (random() < 0.45 && held.length > 0) {
        const p = held.splice(Math.floor(random() * held.length), 1)[0]!
        p.release({ rttMs: 5 + random() * 40, dropped: random() < 0.02 })
        await flush()
      }
      clock.advance(Math.floor(random() * 4))
      await flush()
    }
    clock.advance(1000)
    await flush()
    expect(queued.length).toBeGreaterThan(100)
    for (const { start, deadline, box } of queued) {
      expect(box.admit).toBeDefined()
      expect(start + box.admit!.queuedMs).toBeLessThanOrEqual(deadline)
      expect(box.admit!.queuedMs).toBeLessThanOrEqual(100)
    }
    const outcomes = new Set(queued.map(({ box }) => outcome(box)))
    expect([...outcomes].sort()).toEqual(['admitted', 'deadline', 'evicted', 'queue-timeout'])
    const snap = admission.snapshot()
    expect(snap.queued).toEqual({ critical: 0, normal: 0, sheddable: 0 })
    expect(clock.pendingTimers).toBe(0)
  })

  it('uses one timer for all waiters', () => {
    const { permit, wait, clock } = setup()
    for (let i = 0; i < 20; i++) permit('normal')
    for (let i = 0; i < 10; i++) wait('sheddable')
    expect(clock.pendingTimers).toBe(1)
  })

  it('releases idempotently, and a release without a sample does not feed the limit', () => {
    const { permit, admission, clock } = setup()
    const p = permit('normal')
    p.release()
    p.release({ rttMs: 10, dropped: true })
    expect(admission.snapshot().inflight.normal).toBe(0)
    // Drops fed for many windows would have cut the limit; none were fed.
    for (let i = 0; i < 20; i++) {
      permit('normal').release()
      clock.advance(100)
    }
    expect(admission.limit).toBe(20)
  })

  it('learns from released samples: drops shrink the limit and onLimit hears each integer change', () => {
    const { admission, clock, limits, permit } = setup()
    for (let w = 0; w < 5; w++) {
      const held = Array.from({ length: admission.limit }, () => permit('critical'))
      for (const p of held) p.release({ rttMs: 10, dropped: true })
      clock.advance(300) // a cut at most once per RTT and two windows
    }
    permit('critical').release({ rttMs: 10, dropped: false })
    expect(admission.limit).toBe(Math.floor(20 * 0.9 ** 5))
    expect(limits).toEqual([18, 16, 14, 13, 11])
  })

  it('close sheds every waiter and every later arrival; held permits still release', async () => {
    const { admission, permit, wait, now, clock } = setup()
    const held = Array.from({ length: 20 }, () => permit('normal'))
    for (let i = 0; i < 10; i++) held.push(permit('critical')) // its share
    const boxes = [wait('critical'), wait('sheddable')]
    const c = wait('normal')
    admission.close()
    await flush()
    expect([...boxes, c].map(outcome)).toEqual(['closed', 'closed', 'closed'])
    expect(now('critical')).toMatchObject({ admitted: false, reason: 'closed' })
    for (const p of held) p.release()
    expect(admission.snapshot().inflight).toEqual({ critical: 0, normal: 0, sheddable: 0 })
    expect(clock.pendingTimers).toBe(0)
  })

  it('keeps limit, in-flight requests and waiters on setOptions, and drains with the new shares', async () => {
    const { admission, permit, wait, limits } = setup({ shares: { normal: 0 } })
    for (let i = 0; i < 20; i++) permit('sheddable')
    const [n1, n2] = [wait('normal'), wait('normal')]
    admission.setOptions(
      admissionSchema.parse({ limit: { initial: 4, min: 4, max: 30 }, shares: { normal: 0 } }),
    )
    expect(admission.limit).toBe(20) // not reset to the new initial
    expect(admission.snapshot()).toMatchObject({ inflight: { sheddable: 20 }, queued: { normal: 2 } })
    admission.setOptions(admissionSchema.parse({ limit: { max: 10, initial: 10 }, shares: { normal: 0.1 } }))
    expect(admission.limit).toBe(10) // clamped to the new max
    expect(limits).toEqual([10])
    await flush()
    expect([n1, n2].map(outcome)).toEqual(['admitted', 'waiting']) // the new share, floor(0.1 × 10) = 1
    expect(admission.snapshot()).toMatchObject({
      inflight: { normal: 1, sheddable: 20 },
      queued: { normal: 1 },
    })
  })

  it('counts admissions and sheds cumulatively per class', async () => {
    const { admission, permit, now } = setup({ queue: { maxLength: 0 } })
    for (let i = 0; i < 20; i++) permit('normal')
    now('sheddable')
    now('sheddable', 0)
    expect(admission.snapshot()).toMatchObject({
      limit: 20,
      admitted: { critical: 0, normal: 20, sheddable: 0 },
      shed: { sheddable: { 'queue-full': 1, deadline: 1, evicted: 0 } },
    })
  })
})
