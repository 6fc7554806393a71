import { request } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { STATEMENT_BYTES, statementLine } from './api.js'
import { startDemoEndpoint, stacks, type DemoEndpoint, type EndpointKind, type StackName } from './index.js'

const open: DemoEndpoint[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((endpoint) => endpoint.close()))
})

async function start(stack: EndpointKind): Promise<DemoEndpoint> {
  const endpoint = await startDemoEndpoint({ stack, name: `t-${stack}`, address: '127.0.0.1', port: 0 })
  open.push(endpoint)
  return endpoint
}

const get = (endpoint: DemoEndpoint, path: string, init: RequestInit = {}) =>
  fetch(`${endpoint.url}${path}`, { signal: AbortSignal.timeout(3000), ...init })
const control = (endpoint: DemoEndpoint, query: string) =>
  get(endpoint, `/__nines/${query}`, { method: 'POST' })
const topup = (endpoint: DemoEndpoint, body: unknown) =>
  get(endpoint, '/api/topup', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })

describe.each(Object.keys(stacks) as StackName[])('%s self-service API', (stack) => {
  const name = `t-${stack}`

  it('answers balance, usage, healthz and top-ups with their shapes', async () => {
    const endpoint = await start(stack)
    const balance = await get(endpoint, '/api/balance?account=alice')
    expect(balance.status).toBe(200)
    const before = (await balance.json()) as { balanceCents: number }
    expect(before).toEqual({
      stack,
      name,
      account: 'alice',
      balanceCents: expect.any(Number),
      currency: 'EUR',
    })
    const usage = await get(endpoint, '/api/usage?account=alice')
    expect(await usage.json()).toEqual({
      stack,
      name,
      account: 'alice',
      dataMB: expect.any(Number),
      minutes: expect.any(Number),
      sms: expect.any(Number),
    })
    // Deterministic from the account, on every stack.
    const again = await (await get(endpoint, '/api/usage?account=alice')).json()
    expect(again).toEqual(await (await get(endpoint, '/api/usage?account=alice')).json())
    const healthz = await get(endpoint, '/healthz')
    expect(await healthz.json()).toMatchObject({ status: 'ok', stack })
    const applied = await topup(endpoint, { account: 'alice', amountCents: 250, requestId: 'r1' })
    expect(applied.status).toBe(201)
    // Account data and health answers are never kept by a shared cache (a router would serve them stale).
    for (const res of [balance, usage, healthz, applied])
      expect(res.headers.get('cache-control')).toBe('no-store')
    expect(await applied.json()).toEqual({
      stack,
      name,
      account: 'alice',
      applied: 1,
      balanceCents: before.balanceCents + 250,
    })
    const after = (await (await get(endpoint, '/api/balance?account=alice')).json()) as {
      balanceCents: number
    }
    expect(after.balanceCents).toBe(before.balanceCents + 250)
  })

  it('counts a duplicate top-up (same requestId twice) instead of absorbing it', async () => {
    const endpoint = await start(stack)
    await topup(endpoint, { account: 'bob', amountCents: 100, requestId: 'once' })
    await topup(endpoint, { account: 'bob', amountCents: 100, requestId: 'twice' })
    const second = await topup(endpoint, { account: 'bob', amountCents: 100, requestId: 'twice' })
    expect(await second.json()).toMatchObject({ applied: 2 })
    const books = await get(endpoint, '/__nines/topups')
    expect(await books.json()).toEqual({
      applied: 3,
      duplicates: ['twice'],
      byRequest: { once: 1, twice: 2 },
    })
  })

  it('streams exactly 1 MiB of deterministic CSV with content-length', async () => {
    const endpoint = await start(stack)
    const response = await get(endpoint, '/api/statement?account=carol')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/)
    expect(response.headers.get('content-length')).toBe(String(STATEMENT_BYTES))
    expect(response.headers.get('cache-control')).toBe('no-store')
    const body = Buffer.from(await response.arrayBuffer())
    expect(body.length).toBe(STATEMENT_BYTES)
    const lines = body.toString('latin1').split('\n')
    expect(lines.pop()).toBe('')
    expect(lines).toHaveLength(16_384)
    lines.forEach((line, i) => {
      if (line + '\n' !== statementLine('carol', i)) throw new Error(`line ${i} differs: ${line}`)
    })
    expect(lines[16_383]!.startsWith('00016383,carol,')).toBe(true)
    // The connection is still usable after the stream (keep-alive).
    expect((await get(endpoint, '/health')).status).toBe(200)
    expect(endpoint.live.statements).toBe(0)
  })

  it('stops streaming the statement when the client goes away', async () => {
    const endpoint = await start(stack)
    const { port } = new URL(endpoint.url)
    await new Promise<void>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/api/statement?account=dave', timeout: 3000 },
        (res) => {
          // Read one chunk, then go: whatever the server still has to write must stop, nothing left open.
          // (Loopback socket buffers hold a whole MiB, so a paused reader cannot show backpressure here.)
          res.once('data', () => {
            res.pause()
            req.destroy()
            resolve()
          })
        },
      )
      req.on('error', () => {})
      req.on('timeout', () => reject(new Error('no statement')))
      req.end()
    })
    await expect.poll(() => endpoint.live.statements, { timeout: 3000 }).toBe(0)
  })

  it('answers bad input with 400 naming the field, unknown paths 404, wrong methods 405', async () => {
    const endpoint = await start(stack)
    const missing = await get(endpoint, '/api/balance')
    expect(missing.status).toBe(400)
    expect(await missing.json()).toMatchObject({ field: 'account' })
    const bad = await topup(endpoint, { account: 'eve', amountCents: -5, requestId: 'x' })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toMatchObject({ field: 'amountCents' })
    const notJson = await get(endpoint, '/api/topup', { method: 'POST', body: '{' })
    expect(await notJson.json()).toMatchObject({ field: 'body' })
    const unknown = await get(endpoint, '/api/nope')
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toMatchObject({ path: '/api/nope' })
    const wrong = await get(endpoint, '/api/topup')
    expect(wrong.status).toBe(405)
    expect(wrong.headers.get('allow')).toBe('POST')
    await wrong.arrayBuffer()
    const wrongBalance = await get(endpoint, '/api/balance?account=a', { method: 'DELETE' })
    expect(wrongBalance.status).toBe(405)
    expect(wrongBalance.headers.get('allow')).toBe('GET')
    const head = await get(endpoint, '/api/statement?account=a', { method: 'HEAD' })
    expect(head.status).toBe(405)
    expect((await get(endpoint, '/__nines/topups')).status).toBe(200)
  })

  it('fails only the switched route, and heals with set=ok', async () => {
    const endpoint = await start(stack)
    expect((await control(endpoint, 'mode?set=fail&route=/api/topup')).status).toBe(200)
    expect((await topup(endpoint, { account: 'f', amountCents: 1, requestId: 'a' })).status).toBe(503)
    expect((await get(endpoint, '/api/balance?account=f')).status).toBe(200)
    expect((await get(endpoint, '/health')).status).toBe(200)
    await control(endpoint, 'mode?set=hang&route=/api/usage')
    await expect(
      get(endpoint, '/api/usage?account=f', { signal: AbortSignal.timeout(300) }),
    ).rejects.toThrow()
    expect((await topup(endpoint, { account: 'f', amountCents: 1, requestId: 'b' })).status).toBe(201)
    // A hang scoped to one route leaves /chat echoing.
    const chat = new WebSocket(`${endpoint.url.replace('http:', 'ws:')}/chat`)
    try {
      await new Promise((resolve, reject) => chat.once('open', resolve).once('error', reject))
      const echo = new Promise((resolve) => chat.once('message', (data) => resolve(JSON.parse(String(data)))))
      chat.send('still here')
      expect(await echo).toMatchObject({ stack, echo: 'still here' })
    } finally {
      chat.terminate()
    }
    await control(endpoint, 'mode?set=ok')
    expect(endpoint.behaviour).toEqual({ mode: 'ok', delayMs: 2000 })
    expect((await get(endpoint, '/api/usage?account=f')).status).toBe(200)
    expect((await topup(endpoint, { account: 'f', amountCents: 1, requestId: 'c' })).status).toBe(201)
    // The refused top-up was never applied; the hung usage request never counted anything.
    expect(await (await get(endpoint, '/__nines/topups')).json()).toMatchObject({ applied: 2 })
  })

  it('flaps between ok and failing, and heals with set=ok', async () => {
    const endpoint = await start(stack)
    expect((await control(endpoint, 'mode?set=flap&periodMs=100')).status).toBe(200)
    const seen = new Set<number>()
    await expect
      .poll(
        async () => {
          seen.add((await get(endpoint, '/healthz')).status)
          return seen.size
        },
        { timeout: 3000, interval: 20 },
      )
      .toBe(2)
    expect([...seen].sort()).toEqual([200, 503])
    await control(endpoint, 'mode?set=ok')
    for (let i = 0; i < 5; i++) expect((await get(endpoint, '/healthz')).status).toBe(200)
  })
})

describe('the CMS', () => {
  it('serves the FAQ and banner with cache-control, health, and 404/405', async () => {
    const cms = await start('cms')
    const faq = await get(cms, '/cms/faq')
    expect(faq.headers.get('cache-control')).toBe('max-age=30')
    const { faq: items } = (await faq.json()) as { faq: { q: string; a: string }[] }
    expect(items.length).toBeGreaterThan(0)
    expect(items[0]).toEqual({ q: expect.any(String), a: expect.any(String) })
    const banner = await get(cms, '/cms/banner')
    expect(banner.headers.get('cache-control')).toBe('max-age=30')
    expect(await banner.json()).toMatchObject({
      stack: 'cms',
      text: expect.any(String),
      until: expect.any(String),
    })
    expect((await get(cms, '/healthz')).status).toBe(200)
    expect((await get(cms, '/health')).status).toBe(200)
    expect((await get(cms, '/cms/nope')).status).toBe(404)
    const post = await get(cms, '/cms/faq', { method: 'POST' })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET')
  })

  it('keeps the switches: a route-scoped fail, then set=ok heals', async () => {
    const cms = await start('cms')
    await control(cms, 'mode?set=fail&route=/cms/banner')
    expect((await get(cms, '/cms/banner')).status).toBe(503)
    expect((await get(cms, '/cms/faq')).status).toBe(200)
    await control(cms, 'mode?set=ok')
    expect((await get(cms, '/cms/banner')).status).toBe(200)
  })
})
