// The overload run's traffic: three classes of request by path, mixed 20 / 50 / 30, chosen by a seeded Rng
// so that every case gets the same sequence.
import type { Rng } from '@nines/core'

export const requestClasses = ['critical', 'normal', 'sheddable'] as const
export type RequestClass = (typeof requestClasses)[number]

/** Share of the requests per class (sums to 1). */
export const classMix: Readonly<Record<RequestClass, number>> = { critical: 0.2, normal: 0.5, sheddable: 0.3 }

export const benchHost = 'app.bench.test'
/** Paths per class: few enough for the sheddable ones to be in the cache after the warm-up. */
export const itemsPerClass = 8

/** The class a uniform draw `u` ∈ [0, 1) falls in, in the order of `requestClasses`. */
export function classOf(u: number, mix: Readonly<Record<RequestClass, number>> = classMix): RequestClass {
  let upTo = 0
  for (const cls of requestClasses) {
    upTo += mix[cls]
    if (u < upTo) return cls
  }
  return requestClasses[requestClasses.length - 1]!
}

export interface PlannedRequest {
  readonly cls: RequestClass
  readonly path: string
}

/** The next request: its class, then one of the class's `itemsPerClass` paths. */
export function nextRequest(rng: Rng): PlannedRequest {
  const cls = classOf(rng.next())
  const item = Math.floor(rng.next() * itemsPerClass)
  return { cls, path: `/${cls}/item-${item}` }
}
