import { Agent, request } from 'node:http'
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import { createAdminApp } from './admin.js'
import { createMetrics } from './metrics.js'
import { serveAdmin, type AdminServer } from './serve.js'

const token = 'test-token-0123456789abcdef'
const servers: AdminServer[] = []

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

function adminApp(options: { token?: string } = {}) {
  return createAdminApp({
    metrics: createMetrics({ prefix: 'nines_test_', processMetrics: false }),
    ready: () => true,
    ...options,
  })
}

async function serve(...args: Parameters<typeof serveAdmin>): Promise<AdminServer> {
  const server = await serveAdmin(...args)
  servers.push(server)
  return server
}

/** One GET over a keep-alive agent, leaving the idle connection open as a scraper would. */
function getKeepAlive(
  url: string,
  agent: Agent,
): Promise<{ status: number; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }))
    })
      .on('error', reject)
      .end()
  })
}

/** PUTs `chunks` chunks of `size` bytes without a Content-Length (chunked), as a greedy client would. */
function putChunked(url: string, chunks: number, size: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { 'content-type': 'application/json' } }, (res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    // The server may answer and close before every chunk is written.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' ? undefined : reject(error)))
    const chunk = Buffer.alloc(size, 0x20)
    let sent = 0
    const write = (): void => {
      while (sent < chunks && !req.destroyed) {
        sent++
        if (!req.write(chunk)) return void req.once('drain', write)
      }
      req.end()
    }
    write()
  })
}

describe('serveAdmin', () => {
  it('answers 413 to a body over the limit, chunked or declared, and still serves small ones', async () => {
    const app = createAdminApp({
      metrics: createMetrics({ prefix: 'nines_test_', processMetrics: false }),
      ready: () => true,
      maxBodyBytes: 1024,
    })
    app.put('/echo', async (c) => c.json({ length: (await c.req.text()).length }))
    app.delete('/echo', (c) => c.json({ deleted: true }))
    const server = await serve(app, { port: 0 })
    // A body-less DELETE still has a (empty) body stream on Node; it must pass untouched.
    expect(await (await fetch(`${server.url}/echo`, { method: 'DELETE' })).json()).toEqual({ deleted: true })
    const chunked = await putChunked(`${server.url}/echo`, 2000, 16 * 1024)
    expect(chunked.status).toBe(413)
    expect(JSON.parse(chunked.body)).toEqual({
      error: { code: 'NINES_ERR_PAYLOAD_TOO_LARGE', message: 'request body over 1024 bytes' },
    })
    const declared = await fetch(`${server.url}/echo`, { method: 'PUT', body: 'x'.repeat(5000) })
    expect(declared.status).toBe(413)
    const small = await fetch(`${server.url}/echo`, { method: 'PUT', body: 'x'.repeat(1000) })
    expect(await small.json()).toEqual({ length: 1000 })
  })

  it('serves on an ephemeral loopback port and reports the real one', async () => {
    const server = await serve(adminApp(), { port: 0 })
    expect(server.port).toBeGreaterThan(0)
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`)
    const res = await fetch(`${server.url}/healthz`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ status: 'ok' })
    const metrics = await fetch(`${server.url}/metrics`)
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
  })

  it('enforces the bearer token over the socket', async () => {
    const server = await serve(adminApp({ token }), { port: 0, token })
    expect((await fetch(`${server.url}/readyz`)).status).toBe(401)
    expect(
      (await fetch(`${server.url}/readyz`, { headers: { Authorization: `Bearer ${token}` } })).status,
    ).toBe(200)
  })

  it.each(['0.0.0.0', '192.0.2.10', '::'])('refuses to serve an unprotected app on %s', async (address) => {
    await expect(serveAdmin(adminApp(), { address, port: 0 })).rejects.toMatchObject({
      code: 'NINES_ERR_ADMIN_TOKEN_REQUIRED',
      message: expect.stringContaining(address),
    })
    // A token passed here cannot vouch for an app that was made without one.
    await expect(serveAdmin(adminApp(), { address, port: 0, token })).rejects.toMatchObject({
      code: 'NINES_ERR_ADMIN_TOKEN_REQUIRED',
    })
    // Another app is trusted only when the caller says it checks a token.
    await expect(serveAdmin(new Hono(), { address, port: 0 })).rejects.toMatchObject({
      code: 'NINES_ERR_ADMIN_TOKEN_REQUIRED',
    })
  })

  it('serves a protected app on a non-loopback address', async () => {
    const server = await serve(adminApp({ token }), { address: '0.0.0.0', port: 0 })
    expect(server.url).toBe(`http://0.0.0.0:${server.port}`)
    expect((await fetch(`http://127.0.0.1:${server.port}/metrics`)).status).toBe(401)
  })

  it('maps EADDRINUSE to NINES_ERR_ADDRESS_IN_USE naming address:port', async () => {
    const first = await serve(adminApp(), { port: 0 })
    const error = await serveAdmin(adminApp(), { port: first.port }).catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'NINES_ERR_ADDRESS_IN_USE',
      message: `admin address 127.0.0.1:${first.port} is already in use`,
      cause: expect.objectContaining({ code: 'EADDRINUSE' }),
    })
  })

  it.each([-1, 65536, 1.5, Number.NaN])('rejects port %s', async (port) => {
    await expect(serveAdmin(adminApp(), { port })).rejects.toMatchObject({
      code: 'NINES_ERR_INVALID_ARGUMENT',
    })
  })

  it('close() ends idle keep-alive connections and stops listening', async () => {
    const server = await serveAdmin(adminApp(), { port: 0 })
    const agent = new Agent({ keepAlive: true })
    try {
      expect(await getKeepAlive(`${server.url}/healthz`, agent)).toEqual({
        status: 200,
        connection: 'keep-alive',
      })
      expect(Object.values(agent.freeSockets).flat()).toHaveLength(1)
      await server.close() // would wait for the keep-alive timeout if the idle connection stayed open
      await server.close() // idempotent
      await expect(fetch(`${server.url}/healthz`)).rejects.toThrow()
    } finally {
      agent.destroy()
    }
  })

  it('close() lets a request in flight finish, then ends its keep-alive connection', async () => {
    let release = (): void => {}
    const gate = new Promise<void>((resolve) => (release = resolve))
    let started = (): void => {}
    const inHandler = new Promise<void>((resolve) => (started = resolve))
    const app = adminApp()
    app.get('/slow', async (c) => {
      started()
      await gate
      return c.json({ done: true })
    })
    const server = await serveAdmin(app, { port: 0 })
    const agent = new Agent({ keepAlive: true })
    try {
      const response = getKeepAlive(`${server.url}/slow`, agent)
      await inHandler
      const closed = server.close()
      release()
      // Without Connection: close the idle socket would hold close() until the keep-alive timeout.
      expect(await response).toEqual({ status: 200, connection: 'close' })
      await closed
    } finally {
      agent.destroy()
    }
  })
})
