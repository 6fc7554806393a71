import { NinesError } from '@nines/core'
import { HTTPException } from 'hono/http-exception'
import { describe, expect, it } from 'vitest'
import { createAdminApp } from './admin.js'
import { createLogger } from './logger.js'
import { createMetrics } from './metrics.js'
import { problem } from './problem.js'
import type { Readiness } from './admin.js'

const token = 'test-token-0123456789abcdef'
const bearer = { Authorization: `Bearer ${token}` }

function setup(options: { token?: string; ready?: () => Readiness } = {}) {
  const metrics = createMetrics({ prefix: 'nines_test_', processMetrics: false })
  const lines: Record<string, unknown>[] = []
  const logger = createLogger({
    name: 'test',
    destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
  })
  const app = createAdminApp({ metrics, ready: options.ready ?? (() => true), logger, ...options })
  return { app, metrics, lines }
}

describe('createAdminApp', () => {
  it('GET /healthz answers ok while the process runs', async () => {
    const res = await setup({ ready: () => false }).app.request('/healthz')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok' })
  })

  it('GET /readyz follows the readiness callback', async () => {
    let readiness: Readiness = { ready: false, reason: 'first health round pending' }
    const { app } = setup({ ready: () => readiness })
    let res = await app.request('/readyz')
    expect(res.status).toBe(503)
    expect(await res.json()).toEqual({ status: 'not_ready', reason: 'first health round pending' })

    readiness = true
    res = await app.request('/readyz')
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ready' })

    readiness = false
    res = await app.request('/readyz')
    expect(res.status).toBe(503)
    expect(await res.json()).toEqual({ status: 'not_ready', reason: 'not ready' })
  })

  it('GET /readyz is 503 when the readiness callback throws', async () => {
    const { app, lines } = setup({
      ready: () => {
        throw new Error('state file unreadable')
      },
    })
    const res = await app.request('/readyz')
    expect(res.status).toBe(503)
    expect(await res.json()).toEqual({ status: 'not_ready', reason: 'readiness check failed' })
    expect(lines[0]).toMatchObject({
      msg: 'readiness check failed',
      err: { message: 'state file unreadable' },
    })
  })

  it('GET /metrics serves the Prometheus text', async () => {
    const { app, metrics } = setup()
    let queries = 0
    metrics.collectedCounter('queries_total', 'Queries.', [], () => queries)
    queries = 12
    const res = await app.request('/metrics')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(metrics.contentType)
    expect(await res.text()).toContain('nines_test_queries_total 12')
  })

  it('unknown routes are 404 JSON', async () => {
    const res = await setup().app.request('/nope', { method: 'POST' })
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({
      error: { code: 'NINES_ERR_NOT_FOUND', message: 'no route for POST /nope' },
    })
  })

  it('thrown errors are 500 JSON with the NinesError code, logged, and never carry a stack', async () => {
    const { app, lines } = setup()
    app.get('/status', () => {
      throw new NinesError('NINES_ERR_STATE_UNAVAILABLE', 'health state not loaded yet')
    })
    app.get('/crash', () => {
      throw new TypeError('cannot read properties of undefined')
    })
    let res = await app.request('/status')
    expect(res.status).toBe(500)
    expect(await res.json()).toEqual({
      error: { code: 'NINES_ERR_STATE_UNAVAILABLE', message: 'health state not loaded yet' },
    })
    res = await app.request('/crash')
    expect(res.status).toBe(500)
    const text = await res.text()
    expect(JSON.parse(text)).toEqual({ error: { code: 'NINES_ERR_INTERNAL', message: 'internal error' } })
    expect(text).not.toContain('cannot read')
    expect(lines.map((line) => line.msg)).toEqual(['admin request failed', 'admin request failed'])
    expect(lines[1]).toMatchObject({ path: '/crash', err: { type: 'TypeError' } })
  })

  it('HTTPExceptions keep their status as JSON problems', async () => {
    const { app } = setup()
    app.get('/limited', () => {
      throw new HTTPException(413, { message: 'body over 1 MiB' })
    })
    const res = await app.request('/limited')
    expect(res.status).toBe(413)
    expect(await res.json()).toEqual({
      error: { code: 'NINES_ERR_PAYLOAD_TOO_LARGE', message: 'body over 1 MiB' },
    })
  })

  it('problem() is the JSON error shape for daemon routes', async () => {
    const { app } = setup()
    app.put('/overrides/:id', (c) =>
      problem(c, 400, 'NINES_ERR_INVALID_ARGUMENT', `bad override for ${c.req.param('id')}`),
    )
    const res = await app.request('/overrides/a', { method: 'PUT' })
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({
      error: { code: 'NINES_ERR_INVALID_ARGUMENT', message: 'bad override for a' },
    })
  })
})

describe('createAdminApp with a token', () => {
  it.each(['/readyz', '/metrics', '/status', '/nope'])(
    '%s needs the bearer token (401 JSON without)',
    async (path) => {
      const { app } = setup({ token })
      app.get('/status', (c) => c.json({ pools: [] }))
      const res = await app.request(path)
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/)
      expect(await res.json()).toEqual({
        error: { code: 'NINES_ERR_UNAUTHORIZED', message: 'missing bearer token' },
      })
      const authorized = await app.request(path, { headers: bearer })
      expect(authorized.status).toBe(path === '/nope' ? 404 : 200)
    },
  )

  it('rejects a wrong token (401) and a malformed header (400)', async () => {
    const { app } = setup({ token })
    let res = await app.request('/metrics', { headers: { Authorization: 'Bearer wrong-token-0123456789' } })
    expect(res.status).toBe(401)
    expect(await res.json()).toEqual({
      error: { code: 'NINES_ERR_UNAUTHORIZED', message: 'invalid bearer token' },
    })
    res = await app.request('/metrics', { headers: { Authorization: `Basic ${token}` } })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ error: { code: 'NINES_ERR_BAD_REQUEST' } })
  })

  it('keeps /healthz open for process supervisors', async () => {
    const res = await setup({ token }).app.request('/healthz')
    expect(res.status).toBe(200)
  })

  it.each(['short', 'has spaces but is long enough'])('refuses the token %j', (bad) => {
    expect(() => setup({ token: bad })).toThrow(
      expect.objectContaining({ code: 'NINES_ERR_INVALID_ARGUMENT' }),
    )
  })
})
