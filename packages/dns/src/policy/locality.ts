import type { EndpointLabels, Locality } from '@nines/core'
import type { LocalityOptions } from './schema.js'
import type { CandidateView, LocalityTier } from './types.js'

export interface LocalityChoice {
  /** The up candidates of the chosen tier. */
  readonly chosen: readonly CandidateView[]
  readonly tier: LocalityTier
  readonly dependent: boolean
  /** For the selection's reason; empty when locality played no part. */
  readonly note: string
}

/**
 * Prefer the client's zone, then its region, then any. A tier is used only while it has an up endpoint
 * and its up share (drained endpoints aside) is at least `minHealthyShare`, so a half-dead zone spills
 * over instead of concentrating its clients on the survivors.
 */
export function chooseLocality(
  views: readonly CandidateView[],
  client: Locality | undefined,
  options: LocalityOptions,
): LocalityChoice {
  const up = views.filter((v) => v.effective === 'up')
  if (
    !options.enabled ||
    client === undefined ||
    (client.zone === undefined && client.region === undefined)
  ) {
    return { chosen: up, tier: 'none', dependent: false, note: '' }
  }
  const tiers: { tier: 'zone' | 'region'; name: string; members: (labels: EndpointLabels) => boolean }[] = []
  if (client.zone !== undefined) {
    const zone = client.zone
    tiers.push({ tier: 'zone', name: zone, members: (labels) => inZone(labels, zone, client.region) })
  }
  if (client.region !== undefined) {
    const region = client.region
    tiers.push({ tier: 'region', name: region, members: (labels) => labels.region === region })
  }
  const rejected: string[] = []
  for (const { tier, name, members } of tiers) {
    const inTier = views.filter((v) => members(v.endpoint.labels))
    const tierUp = inTier.filter((v) => v.effective === 'up')
    const nonDrained = inTier.filter((v) => v.effective !== 'drain').length
    if (tierUp.length > 0 && tierUp.length >= options.minHealthyShare * nonDrained) {
      const note = [...rejected, `${tier} ${name}`].join(', ')
      return { chosen: tierUp, tier, dependent: tierUp.length !== up.length, note }
    }
    rejected.push(`${tier} ${name} ${tierUp.length}/${nonDrained} up`)
  }
  return { chosen: up, tier: 'any', dependent: false, note: `${rejected.join(', ')}: any` }
}

/** Zone names are matched within the client's region when both sides name one. */
function inZone(labels: EndpointLabels, zone: string, region: string | undefined): boolean {
  return (
    labels.zone === zone && (labels.region === undefined || region === undefined || labels.region === region)
  )
}
