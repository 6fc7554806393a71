import type { EffectiveState } from '@nines/core'
import { describe, expect, it } from 'vitest'
import { chooseLocality } from './locality.js'
import type { Member } from './types.js'

function member(id: string, region: string, zone: string, state: EffectiveState = 'up'): Member {
  return {
    candidate: {
      endpoint: { id, address: '127.0.0.1', port: 1, weight: 1, labels: { region, zone } },
      outstanding: 0,
    },
    state,
  }
}

const on = { enabled: true, minHealthyShare: 0.5 }
const router = { region: 'eu', zone: 'eu-a' }

describe('chooseLocality', () => {
  it.each([
    {
      name: 'own zone while healthy',
      members: [member('a1', 'eu', 'eu-a'), member('b1', 'eu', 'eu-b'), member('u1', 'us', 'us-a')],
      tier: 'zone',
      ids: ['a1'],
    },
    {
      name: 'own zone at exactly the threshold',
      members: [member('a1', 'eu', 'eu-a'), member('a2', 'eu', 'eu-a', 'down'), member('b1', 'eu', 'eu-b')],
      tier: 'zone',
      ids: ['a1'],
    },
    {
      name: 'zone below the threshold spills to the region',
      members: [
        member('a1', 'eu', 'eu-a'),
        member('a2', 'eu', 'eu-a', 'down'),
        member('a3', 'eu', 'eu-a', 'down'),
        member('b1', 'eu', 'eu-b'),
        member('u1', 'us', 'us-a'),
      ],
      tier: 'region',
      ids: ['a1', 'b1'],
    },
    {
      name: 'a drained endpoint does not count against its zone',
      members: [
        member('a1', 'eu', 'eu-a'),
        member('a2', 'eu', 'eu-a', 'drain'),
        member('a3', 'eu', 'eu-a', 'drain'),
      ],
      tier: 'zone',
      ids: ['a1'],
    },
    {
      name: 'zone and region all down: any',
      members: [
        member('a1', 'eu', 'eu-a', 'down'),
        member('b1', 'eu', 'eu-b', 'down'),
        member('u1', 'us', 'us-a'),
      ],
      tier: 'any',
      ids: ['u1'],
    },
    {
      name: 'a zone of the same name in another region is not ours',
      members: [member('x1', 'us', 'eu-a'), member('b1', 'eu', 'eu-b')],
      tier: 'region',
      ids: ['b1'],
    },
  ])('$name', ({ members, tier, ids }) => {
    const choice = chooseLocality(members, router, on)
    expect(choice.tier).toBe(tier)
    expect(choice.chosen.map((m) => m.candidate.endpoint.id)).toEqual(ids)
  })

  it('uses every up endpoint when disabled or without a router locality', () => {
    const members = [
      member('a1', 'eu', 'eu-a'),
      member('u1', 'us', 'us-a'),
      member('u2', 'us', 'us-a', 'down'),
    ]
    for (const choice of [
      chooseLocality(members, router, { enabled: false, minHealthyShare: 0.5 }),
      chooseLocality(members, undefined, on),
    ]) {
      expect(choice.tier).toBe('any')
      expect(choice.chosen.map((m) => m.candidate.endpoint.id)).toEqual(['a1', 'u1'])
    }
  })
})
