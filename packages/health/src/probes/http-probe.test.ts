import { once } from 'node:events'
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { isNinesError } from '@nines/core'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { httpCheckSchema, type HttpCheck } from '../check.js'
import type { ProbeTarget } from '../probe.js'
import { httpProbe } from './http-probe.js'
import { runProbe } from './run-probe.js'

// Long enough for any answer on a busy machine; tests that expect a timeout pass a short one.
const answerMs = 2_000
const shortMs = 250

function check(fields: Partial<HttpCheck> = {}): HttpCheck {
  return httpCheckSchema.parse({ kind: 'http', ...fields })
}

describe('httpProbe', () => {
  let server: Server
  let target: ProbeTarget
  let seen: IncomingHttpHeaders[] = []
  const pending = new Set<NodeJS.Timeout>()

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push(request.headers)
      const url = request.url ?? '/'
      switch (url) {
        case '/ok':
        case '/landing':
          response.end('hello nines world')
          return
        case '/503':
          response.writeHead(503).end('busy')
          return
        case '/slow': {
          const timer = setTimeout(() => response.end('late'), 5_000)
          pending.add(timer)
          request.on('close', () => clearTimeout(timer))
          return
        }
        case '/hang':
          return
        case '/partial':
          response.writeHead(200, { 'content-length': '100' })
          response.write('only part of it', () => response.socket?.destroy())
          return
        case '/big':
          response.end(`head ${'x'.repeat(10_000)} tail`)
          return
        case '/endless':
          // Never ends: only a probe that stops at maxBodyBytes can finish.
          response.writeHead(200, { 'content-type': 'text/plain' })
          response.write(`marker ${'x'.repeat(4_000)}`)
          return
        case '/redirect':
          response.writeHead(302, { location: '/landing' }).end()
          return
        case '/redirect-absolute':
          response.writeHead(301, { location: `http://${request.headers.host}/landing` }).end()
          return
        case '/redirect-away':
          response.writeHead(302, { location: 'http://elsewhere.example/landing' }).end()
          return
        case '/loop':
          response.writeHead(307, { location: '/loop' }).end()
          return
        case '/see-other':
          response.writeHead(303, { location: '/method' }).end()
          return
        case '/method':
          response.end(request.method)
          return
        default:
          response.writeHead(404).end()
      }
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    target = { address: '127.0.0.1', port: (server.address() as AddressInfo).port }
  })

  afterAll(async () => {
    for (const timer of pending) clearTimeout(timer)
    server.closeAllConnections()
    server.close()
    await once(server, 'close')
  })

  const run = (fields: Partial<HttpCheck>, at: ProbeTarget = target, timeoutMs = answerMs) =>
    runProbe(httpProbe(check(fields)), at, { timeoutMs })

  it('reports status 200 for an expected status', async () => {
    const result = await run({ path: '/ok' })
    expect(result).toMatchObject({ ok: true, detail: 'status 200' })
    expect(result.latencyMs).toBeGreaterThan(0)
  })

  it('fails a status outside the set, and passes it when the set includes it', async () => {
    expect(await run({ path: '/503' })).toMatchObject({ ok: false, detail: 'status 503' })
    expect(await run({ path: '/503', expectStatus: '200,503' })).toMatchObject({
      ok: true,
      detail: 'status 503',
    })
    expect(await run({ path: '/ok', expectStatus: '204-299' })).toMatchObject({
      ok: false,
      detail: 'status 200',
    })
  })

  it('times out on a slow answer and on a server that never answers, and closes its socket', async () => {
    expect(await run({ path: '/slow' }, target, shortMs)).toMatchObject({ ok: false, detail: 'timeout' })
    expect(await run({ path: '/hang' }, target, shortMs)).toMatchObject({ ok: false, detail: 'timeout' })
    // Idle kept-alive sockets of earlier probes are not the timed-out ones; those hold requests open.
    server.closeIdleConnections()
    await vi.waitFor(async () => expect(await connections(server)).toBe(0), { timeout: 2_000 })
  })

  it('reports closed mid-response when the peer closes during the body', async () => {
    expect(await run({ path: '/partial', bodyContains: 'part' })).toMatchObject({
      ok: false,
      detail: 'closed mid-response',
    })
  })

  it('reports ECONNREFUSED for a stopped server', async () => {
    const stopped = createServer()
    stopped.listen(0, '127.0.0.1')
    await once(stopped, 'listening')
    const port = (stopped.address() as AddressInfo).port
    stopped.close()
    await once(stopped, 'close')
    expect(await run({ path: '/ok' }, { address: '127.0.0.1', port })).toMatchObject({
      ok: false,
      detail: 'ECONNREFUSED',
    })
  })

  it('checks the body with bodyContains and bodyRegex', async () => {
    expect(await run({ path: '/ok', bodyContains: 'nines' })).toMatchObject({
      ok: true,
      detail: 'status 200',
    })
    expect(await run({ path: '/ok', bodyContains: 'absent' })).toMatchObject({
      ok: false,
      detail: 'body mismatch',
    })
    expect(await run({ path: '/ok', bodyRegex: '^hello \\w+ world$' })).toMatchObject({ ok: true })
    expect(await run({ path: '/ok', bodyRegex: '^world' })).toMatchObject({
      ok: false,
      detail: 'body mismatch',
    })
    expect(await run({ path: '/ok', bodyContains: 'hello', bodyRegex: 'absent' })).toMatchObject({
      ok: false,
      detail: 'body mismatch',
    })
  })

  it('reads no further than maxBodyBytes', async () => {
    expect(await run({ path: '/big', bodyContains: 'head', maxBodyBytes: 1_000 })).toMatchObject({ ok: true })
    expect(await run({ path: '/big', bodyContains: 'tail', maxBodyBytes: 1_000 })).toMatchObject({
      ok: false,
      detail: 'body mismatch',
    })
    expect(await run({ path: '/big', bodyContains: 'tail', maxBodyBytes: 20_000 })).toMatchObject({
      ok: true,
    })
    // The body never ends, so only stopping at the limit can succeed.
    expect(await run({ path: '/endless', bodyContains: 'marker', maxBodyBytes: 100 })).toMatchObject({
      ok: true,
      detail: 'status 200',
    })
  })

  it('fails redirects unless it follows them', async () => {
    expect(await run({ path: '/redirect' })).toMatchObject({ ok: false, detail: 'redirect 302' })
    expect(await run({ path: '/redirect', followRedirects: true, bodyContains: 'hello' })).toMatchObject({
      ok: true,
      detail: 'status 200',
    })
    expect(
      await run({ path: '/redirect-absolute', host: 'app.example', followRedirects: true }),
    ).toMatchObject({
      ok: true,
      detail: 'status 200',
    })
    expect(await run({ path: '/redirect-away', followRedirects: true })).toMatchObject({
      ok: false,
      detail: 'redirect off-endpoint',
    })
    expect(await run({ path: '/loop', followRedirects: true })).toMatchObject({
      ok: false,
      detail: 'too many redirects',
    })
  })

  it('follows a 303 with GET', async () => {
    expect(
      await run({ path: '/see-other', method: 'POST', followRedirects: true, bodyContains: 'GET' }),
    ).toMatchObject({ ok: true })
  })

  it('reuses one kept-alive connection across probes, and retries once when the server closed it', async () => {
    const keepAlive = createServer((_request, response) => response.end('ok'))
    keepAlive.keepAliveTimeout = 60_000
    let sockets = 0
    keepAlive.on('connection', () => sockets++)
    await new Promise<void>((resolve) => keepAlive.listen(0, '127.0.0.1', resolve))
    const at = { address: '127.0.0.1', port: (keepAlive.address() as AddressInfo).port }
    const probe = httpProbe(check({ path: '/ok' }))
    for (let i = 0; i < 3; i++) {
      expect(await runProbe(probe, at, { timeoutMs: answerMs })).toMatchObject({
        ok: true,
        detail: 'status 200',
      })
    }
    expect(sockets).toBe(1)
    // The server drops the idle connection; the next probe must not report the stale socket as a failure.
    keepAlive.closeIdleConnections()
    expect(await runProbe(probe, at, { timeoutMs: answerMs })).toMatchObject({ ok: true })
    expect(sockets).toBe(2)
    keepAlive.closeAllConnections()
    keepAlive.close()
  })

  it('sends the Host header, the user agent and Connection: close', async () => {
    const cases: [Partial<HttpCheck>, ProbeTarget, string][] = [
      [{}, target, '127.0.0.1'],
      [{}, { ...target, host: 'endpoint.example' }, 'endpoint.example'],
      [{ host: 'configured.example' }, { ...target, host: 'endpoint.example' }, 'configured.example'],
    ]
    for (const [fields, at, host] of cases) {
      seen = []
      expect(await run({ path: '/ok', reuseConnection: false, ...fields }, at)).toMatchObject({ ok: true })
      expect(seen[0]).toMatchObject({ host, 'user-agent': 'nines-health', connection: 'close' })
      seen = []
      await run({ path: '/ok', ...fields }, at)
      expect(seen[0]).toMatchObject({ host, connection: 'keep-alive' })
    }
    seen = []
    await run({ path: '/ok', headers: { 'User-Agent': 'custom', 'X-Probe': 'yes' } })
    expect(seen[0]).toMatchObject({ 'user-agent': 'custom', 'x-probe': 'yes' })
  })

  it.each([
    [{ bodyRegex: '(' }],
    [{ headers: { 'bad name': 'x' } }],
    [{ headers: { 'x-probe': 'line\nbreak' } }],
    [{ expectStatus: '299-200' }],
  ])('rejects %o at creation', (fields) => {
    let thrown: unknown
    try {
      httpProbe(check(fields))
    } catch (error) {
      thrown = error
    }
    expect(isNinesError(thrown, 'NINES_ERR_INVALID_ARGUMENT')).toBe(true)
  })

  it('reports a Host header HTTP forbids as a failure, not a throw', async () => {
    const result = await run({ path: '/ok' }, { ...target, host: 'bad\nhost' })
    expect(result.ok).toBe(false)
    expect(result.detail).toMatch(/invalid character/i)
  })
})

function connections(server: Server): Promise<number> {
  return new Promise((resolve, reject) =>
    server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  )
}
