// Steady client traffic: open-loop arrivals (a slow answer does not slow the arrivals, as with real
// users), spread over the request mix, every outcome recorded.
import type { NodeResolverOptions } from '@nines/client/node'
import { createAppClient, type AppClient } from './client.js'
import type { Outcome } from './outcome.js'
import { defaultMix, weightedCycle } from './requests.js'
import { summarize, type TrafficSummary } from './summary.js'

export interface TrafficOptions {
  nameservers: string[]
  port: number
  host?: string
  /** Arrivals per second over the whole mix. */
  ratePerSec: number
  /** Weights per request name (`requestSpecs`); default `defaultMix` (every class). */
  mix?: Partial<Record<string, number>>
  resolver?: Partial<NodeResolverOptions>
  /** Per request, retry included; default 5000. */
  timeoutMs?: number
  /** Keep-alive and connection reuse: see `ClientOptions`. */
  keepAliveTimeoutMs?: number
  requestsPerConnection?: number
  onOutcome?: (o: Outcome) => void
}

export interface Traffic {
  readonly outcomes: readonly Outcome[]
  /** The client the traffic uses, for requests of a test's own (`client.send('statement')`). */
  readonly client: AppClient
  /** Stops the arrivals, waits for the requests in flight, closes the client. */
  stop(): Promise<void>
  /** Outcomes of requests that started in [from, to) (epoch ms). */
  summary(from?: number, to?: number): TrafficSummary
}

const tickMs = 10

export function startTraffic(options: TrafficOptions): Traffic {
  if (!(options.ratePerSec > 0)) throw new Error(`ratePerSec: expected > 0, got ${options.ratePerSec}`)
  const client = createAppClient(options)
  const next = weightedCycle(options.mix ?? defaultMix)
  const outcomes: Outcome[] = []
  const inFlight = new Set<Promise<void>>()
  const start = performance.now()
  let launched = 0
  let account = 0

  const launch = () => {
    const name = next()
    const p = client.send(name, { account: `user${account++ % 50}` }).then((o) => {
      outcomes.push(o)
      options.onOutcome?.(o)
    })
    inFlight.add(p)
    void p.finally(() => inFlight.delete(p))
  }
  const timer = setInterval(() => {
    const due = Math.floor(((performance.now() - start) * options.ratePerSec) / 1000)
    // After a stall (a busy event loop), catch up by at most one second of arrivals.
    if (due - launched > options.ratePerSec) launched = due - Math.ceil(options.ratePerSec)
    while (launched < due) {
      launched++
      launch()
    }
  }, tickMs)

  let stopped: Promise<void> | undefined
  return {
    outcomes,
    client,
    stop() {
      stopped ??= (async () => {
        clearInterval(timer)
        await Promise.all([...inFlight])
        await client.close()
      })()
      return stopped
    },
    summary: (from, to) => summarize(outcomes, from, to),
  }
}
