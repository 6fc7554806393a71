import type { Locality } from '@nines/core'
import type { Member } from './types.js'

export interface LocalityOptions {
  readonly enabled: boolean
  /** A zone (then region) tier is used only while at least this share of its endpoints is up. */
  readonly minHealthyShare: number
}

export type LocalityTier = 'zone' | 'region' | 'any'

export interface LocalityChoice {
  /** The up members of the chosen tier, in pool order. */
  readonly chosen: readonly Member[]
  readonly tier: LocalityTier
}

/**
 * The rule nines-dns applies to clients (packages/dns/src/policy/locality.ts), applied to the router's
 * own locality: prefer its zone, then its region, then any. A tier is used only while it has an up
 * endpoint and its up share (drained endpoints aside: planned work is not ill health) is at least
 * `minHealthyShare`, so a half-dead zone spills over instead of piling its traffic on the survivors.
 */
export function chooseLocality(
  members: readonly Member[],
  router: Locality | undefined,
  options: LocalityOptions,
): LocalityChoice {
  const up = members.filter((m) => m.state === 'up')
  if (!options.enabled || router === undefined) return { chosen: up, tier: 'any' }
  const { zone, region } = router
  if (zone !== undefined) {
    const chosen = tier(members, options, (m) => {
      const labels = m.candidate.endpoint.labels
      // Zone names are matched within the router's region when both sides name one.
      return (
        labels.zone === zone &&
        (labels.region === undefined || region === undefined || labels.region === region)
      )
    })
    if (chosen !== undefined) return { chosen, tier: 'zone' }
  }
  if (region !== undefined) {
    const chosen = tier(members, options, (m) => m.candidate.endpoint.labels.region === region)
    if (chosen !== undefined) return { chosen, tier: 'region' }
  }
  return { chosen: up, tier: 'any' }
}

function tier(
  members: readonly Member[],
  options: LocalityOptions,
  inTier: (m: Member) => boolean,
): Member[] | undefined {
  const members_ = members.filter(inTier)
  const up = members_.filter((m) => m.state === 'up')
  const nonDrained = members_.filter((m) => m.state !== 'drain').length
  return up.length > 0 && up.length >= options.minHealthyShare * nonDrained ? up : undefined
}
