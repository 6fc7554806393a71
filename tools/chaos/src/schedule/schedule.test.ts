import { describe, expect, it } from 'vitest'
import { ALL_FAULT_KINDS, groupsOf, makeSchedule, type Fault, type ScheduledProcess } from './schedule.js'

// The processes of examples/local.yaml.
const processes: ScheduledProcess[] = [
  { name: 'ns1', kind: 'dns' },
  { name: 'ns2', kind: 'dns' },
  { name: 'edge1', kind: 'edge' },
  { name: 'edge2', kind: 'edge' },
  ...['a', 'b', 'c'].flatMap((letter, i) =>
    [1, 2].map((zone) => ({
      name: `${letter}${zone}`,
      kind: 'endpoint' as const,
      pool: 'app',
      stack: ['node-http', 'hono', 'raw'][i]!,
    })),
  ),
  { name: 'cms', kind: 'endpoint', pool: 'cms', stack: 'cms' },
]

const FIVE_MINUTES = 300_000

/** Faults on at `t` (a fault is on from atMs up to, not including, healAtMs). */
const onAt = (faults: readonly Fault[], t: number) => faults.filter((f) => f.atMs <= t && t < f.healAtMs)

describe('makeSchedule', () => {
  it('gives the same schedule for the same seed, and another for another seed', () => {
    const a = makeSchedule({ seed: 42, durationMs: FIVE_MINUTES, processes })
    expect(makeSchedule({ seed: 42, durationMs: FIVE_MINUTES, processes })).toEqual(a)
    expect(makeSchedule({ seed: 43, durationMs: FIVE_MINUTES, processes })).not.toEqual(a)
  })

  it('stages every kind once, each healing before the end and after a quiet warm-up', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const faults = makeSchedule({ seed, durationMs: FIVE_MINUTES, processes })
      expect(faults.map((f) => f.kind).sort()).toEqual([...ALL_FAULT_KINDS].sort())
      for (const f of faults) {
        expect(f.atMs).toBeGreaterThanOrEqual(15_000)
        expect(f.healAtMs).toBeGreaterThan(f.atMs)
        // The cool-down leaves time to see the last recovery.
        expect(f.healAtMs).toBeLessThanOrEqual(FIVE_MINUTES - 30_000)
      }
    }
  })

  it('never has more than two faults on, two on one target, or a whole group down', () => {
    for (let seed = 1; seed <= 500; seed++) {
      const faults = makeSchedule({ seed, durationMs: FIVE_MINUTES, processes })
      for (const start of faults) {
        const on = onAt(faults, start.atMs)
        expect(on.length).toBeLessThanOrEqual(2)
        const targets = on.map((f) => f.target)
        expect(new Set(targets).size).toBe(targets.length)
        const down = processes.filter((p) => targets.includes(p.name))
        for (const group of new Set(down.flatMap(groupsOf))) {
          const members = processes.filter((p) => groupsOf(p).includes(group))
          if (members.length > 1)
            expect(down.filter((p) => groupsOf(p).includes(group)).length).toBeLessThan(members.length)
        }
      }
    }
  })

  it('picks targets of the right kind and gives each action its parameters', () => {
    const faults = makeSchedule({ seed: 7, durationMs: FIVE_MINUTES, processes, burstMultiplier: 4 })
    const byKind = new Map(faults.map((f) => [f.kind, f]))
    expect(byKind.get('kill-cms')).toMatchObject({ action: 'kill', target: 'cms' })
    expect(byKind.get('kill-edge')?.target).toMatch(/^edge[12]$/)
    expect(byKind.get('kill-nameserver')?.target).toMatch(/^ns[12]$/)
    expect(byKind.get('freeze-stack')?.target).toMatch(/^[abc][12]$/)
    expect(byKind.get('slow-stack')?.params).toEqual({ delayMs: 2000 })
    expect(byKind.get('fail-route-stack')?.params.route).toMatch(/^\/api/)
    expect(byKind.get('burst')).toMatchObject({
      action: 'burst',
      target: 'traffic',
      params: { multiplier: 4 },
    })
  })

  it('keeps both edges up when two edge faults would overlap, by ending the first one earlier', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const faults = makeSchedule({
        seed,
        durationMs: 60_000,
        processes,
        kinds: ['kill-edge', 'kill-edge', 'kill-nameserver', 'kill-nameserver'],
      })
      for (const f of faults) expect(onAt(faults, f.atMs).filter((g) => g.kind === f.kind)).toHaveLength(1)
    }
  })

  it('fits a short run with two faults, and refuses one too short for its faults', () => {
    const faults = makeSchedule({
      seed: 1,
      durationMs: 20_000,
      processes,
      kinds: ['kill-stack', 'hang-stack'],
    })
    expect(faults).toHaveLength(2)
    for (const f of faults) expect(f.healAtMs).toBeLessThanOrEqual(16_000)
    expect(() => makeSchedule({ seed: 1, durationMs: 10_000, processes })).toThrow(/too short/)
  })
})
