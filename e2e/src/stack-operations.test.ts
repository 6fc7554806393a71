import { launchStack, startTraffic, type Outcome, type Traffic, type WholeStack } from '@nines/chaos'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from './harness.js'
import {
  adminJson,
  apiStacks,
  atEdge,
  auditTopups,
  debugHeaders,
  digAt,
  edgeView,
  metricAt,
  override,
  servedBy,
  sleep,
  startTopups,
  tally,
  TopupLedger,
  type EdgeAnswer,
} from './stack-ops.js'

// Operating the whole stack of examples/local.yaml (two nameservers, two routers, six API stacks and the
// CMS, on ports of its own) under @nines/client traffic, in sequence: the CMS down, a planned drain with
// one command, a config reload, every API stack down, and no top-up applied twice across all of it.
// Each scenario asserts what the clients saw, heals, and asserts the way back.

const edges = ['edge1', 'edge2'] as const

/** What these scenarios read of a route of the file. */
interface RouteConfig {
  name: string
  pathPrefix?: string
  fallback?: { status?: number; body?: string }
  timeouts?: { overallMs?: number }
}
/** The codes of the answers a router makes itself for a request it could not serve (docs/operations.md). */
const routerCodes =
  /^NINES_ERR_(NO_ENDPOINT|UPSTREAM_CONNECT|UPSTREAM_RESET|UPSTREAM_STATUS|UPSTREAM_TIMEOUT|DEADLINE|RETRY_BUDGET)$/

describe('operating the whole stack under client traffic', () => {
  let stack: WholeStack
  let traffic: Traffic
  let ledger: TopupLedger
  /** Top-ups with our own ids, over the whole file (the audit in the last scenario). */
  const ownTopups: ReturnType<typeof startTopups>[] = []

  beforeAll(async () => {
    stack = await launchStack({
      edit: (config) => {
        // Debug headers: which endpoint served, and `x-nines-cache: hit` on a fresh copy.
        debugHeaders(config)
        // Flap damping is not what this file is about: it would hold an endpoint killed in two scenarios
        // out for half a minute (two penalties and the first probe round of a busy machine).
        config.health = { ...config.health, damping: { enabled: false } }
        // Nor is passive ejection's length: an endpoint killed twice would sit out 2 × 30 s after it is back.
        config.pools.app.ejection = { baseEjectionTimeMs: 3000 }
      },
    })
    ledger = new TopupLedger(stack)
    traffic = startTraffic({
      nameservers: stack.nameservers,
      port: stack.edgePort,
      host: stack.host,
      ratePerSec: 40,
      // The machine is shared: a request is failed when no answer came in 10 s, not sooner.
      timeoutMs: 10_000,
    })
    ownTopups.push(startTopups(stack, { ratePerSec: 5 }))
    await waitFor(() => traffic.outcomes.filter((o) => o.result === 'ok').length >= 40, 20_000)
  }, 90_000)

  afterAll(async () => {
    await Promise.all(ownTopups.map((t) => t.stop()))
    await traffic?.stop()
    await stack?.stop()
  }, 30_000)

  /** Outcomes of requests started in [from, to), read once requests started before `to` have ended. */
  const between = async (from: number, to: number): Promise<Outcome[]> => {
    await sleep(Math.max(0, to + 2000 - Date.now()))
    return traffic.outcomes.filter((o) => o.at >= from && o.at < to)
  }
  const report = (title: string, outcomes: readonly Outcome[]) => {
    const { examples, ...counts } = tally(outcomes)
    const failed = Object.entries(
      outcomes
        .filter((o) => o.result !== 'ok')
        .reduce<Record<string, number>>((n, o) => {
          const key = `${o.name} ${o.result} ${o.status ?? o.error ?? '?'}`
          n[key] = (n[key] ?? 0) + 1
          return n
        }, {}),
    )
    console.log(
      `[ops] ${title}: ${JSON.stringify(counts)}${failed.length ? ` not ok: ${JSON.stringify(Object.fromEntries(failed))}` : ''}`,
    )
    return examples
  }

  /** The route a path takes: the longest matching prefix (every route of the file is on one host). */
  const routeFor = (path: string): RouteConfig =>
    (stack.config.edge.routes as RouteConfig[])
      .filter((r) => {
        const prefix = r.pathPrefix ?? '/'
        const bare = path.split('?')[0]!
        return prefix === '/' || bare === prefix || bare.startsWith(`${prefix}/`)
      })
      .sort((a, b) => (b.pathPrefix ?? '/').length - (a.pathPrefix ?? '/').length)[0]!

  /**
   * What docs/configuration.md says a route answers when nothing can serve it and no stale copy may stand
   * in: its `fallback`, else 502/503/504 with a code in `x-nines-error`.
   */
  const expectNothingServes = (answer: EdgeAnswer, path: string) => {
    const fallback = routeFor(path).fallback
    const seen = {
      path,
      status: answer.status,
      code: answer.header('x-nines-error'),
      body: answer.body.slice(0, 80),
    }
    if (fallback) {
      expect(seen).toMatchObject({ status: fallback.status ?? 503, body: fallback.body ?? '' })
    } else {
      expect([502, 503, 504], JSON.stringify(seen)).toContain(answer.status)
      expect(seen.code, JSON.stringify(seen)).toMatch(routerCodes)
    }
  }

  /** The DNS name's state on one nameserver (`healthy`, `degraded`, `panic`, `all-down`). */
  const nameState = async (ns: string) => {
    const status = await adminJson<{ names: { name: string; state: string }[] }>(stack, ns, '/status')
    return status.names.find((n) => n.name.replace(/\.$/, '') === stack.host)?.state
  }
  const edgeAddresses = () => edges.map((e) => stack.process(e).address).sort()

  it("the CMS down: /cms/faq from the routers' copies, a new CMS page degraded, every API route unaffected; restarted, fresh again", async () => {
    // Both routers hold a copy (max-age=30): clients of either zone may ask.
    for (const edge of edges) expect((await atEdge(stack, edge, '/cms/faq')).status).toBe(200)
    const from = Date.now()
    await stack.process('cms').kill()
    await sleep(3000)
    for (const edge of edges) {
      const copy = await atEdge(stack, edge, '/cms/faq')
      expect({ edge, status: copy.status, cache: copy.header('x-nines-cache') }).toMatchObject({
        status: 200,
        cache: expect.stringMatching(/^(hit|stale)/),
      })
      expect(JSON.parse(copy.body)).toMatchObject({ stack: 'cms' })
      // A page no router holds: the route's answer for nothing to serve it, well within its deadline.
      const page = `/cms/faq?never=${edge}-${Date.now()}`
      const degraded = await atEdge(stack, edge, page)
      expectNothingServes(degraded, page)
      expect(degraded.ms).toBeLessThan(routeFor(page).timeouts?.overallMs ?? 15_000)
    }
    const to = Date.now()
    const cmsDown = await between(from, to)
    report('CMS down', cmsDown)
    // Every API route and the home page: zero failed. The CMS page: a copy, or the route's own answer.
    const others = cmsDown.filter((o) => o.name !== 'cms-faq')
    expect(others.length).toBeGreaterThan(50)
    expect(others.filter((o) => o.result === 'failed')).toEqual([])
    const faq = cmsDown.filter((o) => o.name === 'cms-faq')
    const faqFailed = faq.filter((o) => o.result === 'failed')
    if (faqFailed.length > 0)
      console.log(
        `[ops] CMS down: /cms/faq failed for clients: ${JSON.stringify(faqFailed.map((o) => ({ after: o.at - from, edge: o.edge, status: o.status, ms: Math.round(o.ms) })))}`,
      )
    expect(faq.filter((o) => o.result === 'failed' && o.status === undefined)).toEqual([])

    // The way back: the CMS answers a new page itself again, and the clients' pages are fresh.
    await stack.process('cms').start()
    let n = 0
    await waitFor(
      async () => {
        const answer = await atEdge(stack, 'edge1', `/cms/faq?back=${n++}`)
        return answer.status === 200 && answer.header('x-nines-endpoint') === 'cms'
      },
      15_000,
      200,
    )
    const back = Date.now()
    await sleep(2000)
    const after = (await between(back, Date.now())).filter((o) => o.name === 'cms-faq')
    expect(after.length).toBeGreaterThan(0)
    // Fresh again: no stale copy and no failure (a busy machine may shed the odd sheddable one).
    expect(after.filter((o) => o.result === 'stale' || o.result === 'failed')).toEqual([])
  })

  it('a planned drain of b1 with one command: zero failed, no new request for b1 on either router; clear, it serves again', async () => {
    await waitFor(async () => (await servedBy(stack, 'edge1', 'b1')) > 0, 10_000)
    const from = Date.now()
    const output = await override(stack, 'app/b1', 'drain')
    // Both routers took it (the nameservers do not probe pool app: reported, not a failure).
    for (const edge of edges) expect(output).toMatch(new RegExp(`^${edge}\\s+ok: effective drain`, 'm'))
    for (const edge of edges) expect((await edgeView(stack, edge, 'b1')).serving).toBe('drain')
    // Requests in flight at the command finish; then nothing new reaches b1.
    await waitFor(async () => (await edgeView(stack, 'edge1', 'b1')).inFlight === 0, 5000)
    const atDrain = await Promise.all(edges.map((e) => servedBy(stack, e, 'b1')))
    await sleep(4000)
    expect(await Promise.all(edges.map((e) => servedBy(stack, e, 'b1')))).toEqual(atDrain)
    const to = Date.now()
    const draining = await between(from, to)
    report('b1 drained', draining)
    expect(draining.length).toBeGreaterThan(100)
    expect(draining.filter((o) => o.result === 'failed')).toEqual([])

    // The way back.
    const cleared = await override(stack, 'app/b1', 'clear')
    for (const edge of edges) expect(cleared).toMatch(new RegExp(`^${edge}\\s+ok`, 'm'))
    for (const edge of edges) expect((await edgeView(stack, edge, 'b1')).serving).not.toBe('drain')
    await waitFor(async () => (await servedBy(stack, 'edge1', 'b1')) > atDrain[0]!, 15_000, 200)
    const after = await between(to, Date.now())
    expect(after.filter((o) => o.result === 'failed')).toEqual([])
  })

  it('a config reload under traffic: a route added and a record added, both routers and both nameservers; undone the same way', async () => {
    const routeNames = async (edge: string) =>
      (await adminJson<{ routes: { name: string }[] }>(stack, edge, '/status')).routes.map((r) => r.name)
    const reloadTxt = async () =>
      Promise.all(
        stack.nameservers.map((ns) => digAt(ns, `reload.${stack.host.split('.').slice(1).join('.')}`, 'TXT')),
      )
    const from = Date.now()
    await stack.writeConfig((config) => {
      config.edge.routes.push({
        host: stack.host,
        pathPrefix: '/api/usage',
        pool: 'app',
        name: 'usage',
        class: 'critical',
      })
      const zone = config.dns.zones['nines.test']
      ;(zone.records ??= []).push({ name: 'reload', type: 'TXT', data: 'v2' })
    })
    await waitFor(
      async () =>
        (await Promise.all(edges.map(routeNames))).every((names) => names.includes('usage')) &&
        (await reloadTxt()).every((r) => r.data.join() === 'v2'),
      15_000,
      200,
    )
    // In effect: the clients' usage requests are counted under the new route.
    await waitFor(
      async () => (await metricAt(stack, 'edge1', 'nines_edge_requests_total', { route: 'usage' })) > 0,
      10_000,
      200,
    )

    await sleep(2000)

    // Undone: the route gone on both routers, the record on both nameservers.
    await stack.writeConfig((config) => {
      config.edge.routes = config.edge.routes.filter((r: { name: string }) => r.name !== 'usage')
      const zone = config.dns.zones['nines.test']
      zone.records = zone.records.filter((r: { name: string }) => r.name !== 'reload')
    })
    await waitFor(
      async () =>
        (await Promise.all(edges.map(routeNames))).every((names) => !names.includes('usage')) &&
        (await reloadTxt()).every((r) => r.status === 'NXDOMAIN'),
      15_000,
      200,
    )
    // Traffic on the restored configuration too, not only across the swap.
    await sleep(2000)
    const reloading = await between(from, Date.now())
    report('two reloads', reloading)
    expect(reloading.length).toBeGreaterThan(100)
    expect(reloading.filter((o) => o.result === 'failed')).toEqual([])
  })

  it("every API stack down: stale copies of pages asked before, the router's own answer for account data and the rest, DNS still answers both routers; restarted, clean", async () => {
    expect(stack.config.dns.zones['nines.test'].names.app.policy?.allDown ?? 'fail-open').toBe('fail-open')
    // Pages each router has served: `/` is kept as a copy (no explicit freshness: kept only to stand in
    // stale); account data is `no-store`, so it is never stored and never served stale.
    const asked = ['/', '/?page=2']
    const accounts = ['/api/balance?account=ops', '/api/usage?account=ops']
    for (const edge of edges)
      for (const path of [...asked, ...accounts]) expect((await atEdge(stack, edge, path)).status).toBe(200)
    const from = Date.now()
    await ledger.kill(apiStacks)
    const never = `never-${Date.now()}`
    const topup = JSON.stringify({ account: 'ops', amountCents: 1, requestId: `ops-${never}` })
    for (const edge of edges) {
      for (const path of asked) {
        const copy = await atEdge(stack, edge, path)
        expect({ edge, path, status: copy.status, cache: copy.header('x-nines-cache') }).toEqual({
          edge,
          path,
          status: 200,
          cache: expect.stringMatching(/^stale; reason=(error|no-endpoint)$/),
        })
      }
      for (const path of [...accounts, `/api/balance?account=${never}`, `/api/statement?account=${never}`])
        expectNothingServes(await atEdge(stack, edge, path), path)
      expectNothingServes(
        await atEdge(stack, edge, '/api/topup', { method: 'POST', body: topup }),
        '/api/topup',
      )
    }
    // DNS answers both routers (pool `edges`): their checks probe the routers' own monitor path, which
    // a serving router answers whatever its pools, and were they all down, `allDown: fail-open` answers all.
    await sleep(1500)
    const states = await Promise.all(['ns1', 'ns2'].map(nameState))
    console.log(`[ops] all API stacks down: ${stack.host} on ns1/ns2: ${states.join('/')}`)
    for (const ns of stack.nameservers) {
      const answer = await digAt(ns, stack.host)
      expect({ ns, status: answer.status, data: answer.data }).toEqual({
        ns,
        status: 'NOERROR',
        data: edgeAddresses(),
      })
    }
    // The CMS does not depend on pool app: still served fresh.
    const cms = await atEdge(stack, 'edge1', `/cms/faq?all-down=${Date.now()}`)
    expect({ status: cms.status, endpoint: cms.header('x-nines-endpoint') }).toEqual({
      status: 200,
      endpoint: 'cms',
    })
    const to = Date.now()

    await Promise.all(apiStacks.map((name) => stack.process(name).start()))
    const restarted = Date.now()
    const allDown = await between(from, to)
    report('all API stacks down', allDown)
    // What the clients saw: answers, a stored copy or the router's own answer (a status), not silence.
    const silent = allDown.filter((o) => o.result === 'failed' && o.status === undefined)
    expect(silent.length, JSON.stringify(silent.slice(0, 3))).toBeLessThanOrEqual(
      Math.ceil(allDown.length / 100),
    )
    expect(
      allDown.filter(
        (o) => o.result === 'failed' && o.status !== undefined && ![502, 503, 504].includes(o.status),
      ),
    ).toEqual([])
    expect(allDown.filter((o) => o.name === 'cms-faq' && o.result === 'failed')).toEqual([])

    // Clean: both routers see six endpoints up, and the clients see no failure.
    await waitFor(
      async () => {
        const views = await Promise.all(
          edges.map((e) => adminJson<{ pools: { pool: string; healthy: number }[] }>(stack, e, '/status')),
        )
        return views.every((v) => v.pools.find((p) => p.pool === 'app')!.healthy === apiStacks.length)
      },
      30_000,
      250,
    )
    const clean = Date.now()
    await sleep(3000)
    const after = await between(clean, Date.now())
    report(`after the restart (all up ${clean - restarted} ms after it)`, after)
    expect(after.length).toBeGreaterThan(60)
    // No failure, and every critical request fresh (a busy machine may still shed the odd sheddable one).
    expect(
      after.filter((o) => o.result === 'failed' || (o.class === 'critical' && o.result !== 'ok')),
    ).toEqual([])
    for (const ns of stack.nameservers) expect((await digAt(ns, stack.host)).data).toEqual(edgeAddresses())
  })

  it('no top-up applied twice: an endpoint killed with top-ups in flight, and the books of the whole file', async () => {
    const topups = startTopups(stack, { ratePerSec: 20 })
    ownTopups.push(topups)
    await sleep(1000)
    // a1 (zone z1, served by edge1) holds top-ups in flight when it is killed.
    const from = Date.now()
    const victim = stack.process('a1')
    await victim.mode('hang', { route: '/api/topup' })
    // a1 came back in the scenario before and is still in slow start (a tenth of its weight at first), and
    // the balancer avoids an endpoint with requests in flight: one held top-up is enough, and may take a while.
    await waitFor(async () => (await edgeView(stack, 'edge1', 'a1')).inFlight >= 1, 30_000, 50)
    await ledger.kill(['a1'])
    await sleep(1500)
    const to = Date.now()
    await victim.start()
    await sleep(1000)
    await Promise.all(ownTopups.map((t) => t.stop()))

    const killed = await between(from, to)
    report('a1 killed with top-ups in flight', killed)
    // Only the top-ups a1 held may fail (a POST is not sent again once it may have reached a1).
    expect(killed.filter((o) => o.result === 'failed' && o.name !== 'topup')).toEqual([])
    const sent = ownTopups.flatMap((t) => t.sent)
    const cut = sent.filter((t) => t.status !== 201)
    console.log(
      `[ops] own top-ups: ${sent.length} sent, ${sent.length - cut.length} succeeded, cut: ${JSON.stringify(cut.map((t) => `${t.status ?? t.error} ${t.code ?? ''}`.trim()).reduce<Record<string, number>>((n, k) => ((n[String(k)] = (n[String(k)] ?? 0) + 1), n), {}))}`,
    )
    // a1 held top-ups when it died (the wait above); which client sent them is the balancer's choice.
    const cutAtA1 =
      killed.filter((o) => o.name === 'topup' && o.result === 'failed').length +
      cut.filter((t) => t.at >= from && t.at < to && t.code === 'NINES_ERR_UPSTREAM_RESET').length
    console.log(`[ops] top-ups cut when a1 died: ${cutAtA1}`)

    // The books of every endpoint process of the file: no id twice, every success once; the ones cut at
    // a1 applied nowhere (the router did not send them elsewhere).
    // The traffic goes on: only top-ups answered before the books are read must be in them.
    const answered = traffic.outcomes.slice()
    const books = await ledger.all()
    const clientIds = answered
      .filter((o) => o.name === 'topup')
      .map((o) => ({ ok: o.result === 'ok', id: (o as Outcome & { requestId?: string }).requestId }))
    const succeeded = [
      ...sent.filter((t) => t.status === 201).map((t) => t.requestId),
      ...clientIds.filter((c) => c.ok && c.id).map((c) => c.id!),
    ]
    const audit = auditTopups(books, {
      succeeded,
      failed: cut.filter((t) => t.code === 'NINES_ERR_UPSTREAM_RESET').map((t) => t.requestId),
    })
    const trafficOk = clientIds.filter((c) => c.ok).length
    console.log(
      `[ops] books: ${books.length} process lifetimes, ${audit.applied} top-ups applied; clients saw ${trafficOk} traffic + ${succeeded.length - clientIds.filter((c) => c.ok && c.id).length} own succeed`,
    )
    const missing = audit.missing.map((id) => {
      const seen = traffic.outcomes.find((o) => o.requestId === id) ?? sent.find((t) => t.requestId === id)
      return { id, seen, kills: ledger.closedAt }
    })
    expect(audit.duplicates).toEqual([])
    expect(missing).toEqual([])
    expect(audit.appliedAfterFailure).toEqual([])
    expect(audit.applied).toBeGreaterThanOrEqual(
      succeeded.length + (clientIds.some((c) => c.id) ? 0 : trafficOk),
    )

    // The way back: a1 serves again.
    const servedBefore = await servedBy(stack, 'edge1', 'a1')
    await waitFor(async () => (await servedBy(stack, 'edge1', 'a1')) > servedBefore, 20_000, 200)
    const after = await between(to + 2500, Date.now())
    expect(after.filter((o) => o.result === 'failed')).toEqual([])
  }, 120_000)
})
