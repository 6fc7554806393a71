import { seededRng, type EffectiveState } from '@nines/core'
import { describe, expect, it } from 'vitest'
import type { PriorityState } from './priority.js'
import { policySchema, type PolicyInput } from './schema.js'
import { select } from './select.js'
import type { CandidateView } from './types.js'

const NOW = 1_000_000

interface Spec {
  readonly id: string
  readonly state?: EffectiveState
  readonly priority?: number
  /** Milliseconds before NOW that it came back up. */
  readonly recoveredAgoMs?: number
}

function view({ id, state = 'up', priority = 0, recoveredAgoMs }: Spec, i: number): CandidateView {
  return {
    endpoint: { id, address: `192.0.2.${i + 1}`, port: 80, weight: 1, labels: {} },
    effective: state,
    priority,
    ...(recoveredAgoMs !== undefined && { recoveredAt: NOW - recoveredAgoMs }),
  }
}

const start: PriorityState = { active: 0, since: 0, upSince: { 0: 0, 1: 0 } }

describe('TTL rules: normal, and degraded while degraded, panic, all down, draining or recovering', () => {
  it.each<{
    name: string
    specs: Spec[]
    policy?: PolicyInput
    ttlSec: number
    rule: string
    note?: string
    nextChangeAt?: number
  }>([
    { name: 'all up', specs: [{ id: 'a' }, { id: 'b' }], ttlSec: 30, rule: 'normal' },
    {
      name: 'one came back 29.999 s ago: recovering until its 30 s window ends',
      specs: [{ id: 'a', recoveredAgoMs: 29_999 }, { id: 'b' }],
      ttlSec: 5,
      rule: 'recovering',
      note: 'recovering 1 until 1970-01-01T00:16:40.001Z',
      nextChangeAt: NOW + 1,
    },
    {
      name: 'the window has just ended',
      specs: [{ id: 'a', recoveredAgoMs: 30_000 }, { id: 'b' }],
      ttlSec: 30,
      rule: 'normal',
    },
    {
      name: 'recoveringSec is configurable',
      specs: [{ id: 'a', recoveredAgoMs: 45_000 }],
      policy: { ttl: { recoveringSec: 60 } },
      ttlSec: 5,
      rule: 'recovering',
      nextChangeAt: NOW + 15_000,
    },
    {
      name: 'recoveringSec 0 turns it off',
      specs: [{ id: 'a', recoveredAgoMs: 0 }],
      policy: { ttl: { recoveringSec: 0 } },
      ttlSec: 30,
      rule: 'normal',
    },
    {
      name: 'two recovering: the next change is when the first window ends',
      specs: [
        { id: 'a', recoveredAgoMs: 10_000 },
        { id: 'b', recoveredAgoMs: 25_000 },
      ],
      ttlSec: 5,
      rule: 'recovering',
      // The TTL stays short until the last window ends; the answer changes when the first does.
      note: 'recovering 2 until 1970-01-01T00:17:00.000Z',
      nextChangeAt: NOW + 5_000,
    },
    {
      name: 'a standby recovering behind an up primary does not count',
      specs: [{ id: 'a' }, { id: 's', priority: 1, recoveredAgoMs: 1_000 }],
      ttlSec: 30,
      rule: 'normal',
    },
    {
      name: 'a drain in the active group shortens the TTL at once',
      specs: [{ id: 'a', state: 'drain' }, { id: 'b' }, { id: 'c' }],
      ttlSec: 5,
      rule: 'draining',
      note: 'draining 1',
    },
    {
      name: 'a drained primary whose traffic went to the standby',
      specs: [
        { id: 'a', state: 'drain' },
        { id: 's', priority: 1 },
      ],
      ttlSec: 5,
      rule: 'draining',
      note: 'draining 1',
    },
    {
      name: 'a drained standby that takes no traffic does not count',
      specs: [{ id: 'a' }, { id: 's', priority: 1, state: 'drain' }],
      ttlSec: 30,
      rule: 'normal',
    },
    {
      name: 'degraded names the rule before draining and recovering',
      specs: [
        { id: 'a', state: 'down' },
        { id: 'b', state: 'drain' },
        { id: 'c', recoveredAgoMs: 1 },
        { id: 'd' },
      ],
      ttlSec: 5,
      rule: 'degraded',
      note: 'draining 1',
      nextChangeAt: NOW + 29_999,
    },
    {
      name: 'panic',
      specs: [{ id: 'a' }, { id: 'b', state: 'down' }, { id: 'c', state: 'down' }],
      ttlSec: 5,
      rule: 'panic',
    },
    {
      name: 'all down',
      specs: [{ id: 'a', state: 'down' }],
      ttlSec: 5,
      rule: 'all-down',
    },
    {
      name: 'configured TTLs',
      specs: [{ id: 'a', state: 'drain' }, { id: 'b' }],
      policy: { ttl: { normalSec: 300, degradedSec: 10 } },
      ttlSec: 10,
      rule: 'draining',
    },
  ])('$name: $ttlSec s ($rule)', ({ specs, policy, ttlSec, rule, note, nextChangeAt }) => {
    const options = policySchema.parse(policy ?? {})
    const selection = select(specs.map(view), {}, options, start, seededRng(1), NOW)
    expect(selection.ttlSec).toBe(ttlSec)
    expect(selection.ttlRule).toBe(rule)
    if (note !== undefined) expect(selection.reason.split('; ')).toContain(note)
    expect(selection.nextChangeAt).toBe(nextChangeAt)
  })
})
