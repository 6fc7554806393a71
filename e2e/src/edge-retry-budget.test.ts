import { afterEach, describe, expect, it } from 'vitest'
import {
  Endpoints,
  metric,
  served,
  startEdgeOver,
  startLoad,
  threeEndpoints,
  type EdgeClient,
} from './edge.js'
import { waitFor, type RunningEdge } from './harness.js'

// With the route's default retry budget (3 retries at once, 20 %), one endpoint of three killed under
// concurrent GET load resets every request in flight on it at once, and new requests keep picking it (it
// fails fast, so p2c sees it idle) until it is ejected: more retries than the budget's places. A retry over
// the budget waits (`retry.budget.queueMs`) for a place instead of failing, so no GET fails; Envoy's budget,
// which refuses at once, failed a few here (2 to 4 of 6 loops' requests per kill on a busy machine).
describe('the default retry budget and an upstream killed under concurrent load', () => {
  let endpoints: Endpoints | undefined
  let edge: RunningEdge | undefined
  let client: EdgeClient | undefined

  afterEach(async () => {
    await client?.close()
    await edge?.stop()
    await endpoints?.stopAll()
    client = edge = endpoints = undefined
  })

  it('fails no GET when each endpoint in turn is killed, with the default budget', async () => {
    endpoints = new Endpoints(await threeEndpoints(71))
    await endpoints.startAll()
    ;({ edge, client } = await startEdgeOver(endpoints.list, {
      // Every retry option and timeout at its default: this scenario is about the budget, not timeouts.
      route: { retry: { maxAttempts: 3 }, timeouts: { perTryMs: 5000, overallMs: 15000 } },
    }))
    client = client!
    const load = startLoad(client, { loops: 6, maxMs: 40_000 })
    await served(load, 100)
    for (const name of ['a', 'b', 'c']) {
      await endpoints.kill(name)
      await served(load, 200)
      await endpoints.start(name)
      const before = load.result.byEndpoint[name] ?? 0
      await waitFor(() => (load.result.byEndpoint[name] ?? 0) > before, 15_000)
    }
    const result = await load.stop()
    const refused = await metric(edge!, 'nines_edge_errors_total', { code: 'NINES_ERR_RETRY_BUDGET' })
    expect({ failures: result.failures, refused }).toEqual({ failures: [], refused: 0 })
  })
})
