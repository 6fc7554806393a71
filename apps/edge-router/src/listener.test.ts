import { createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { EdgeEnv } from '@nines/edge'
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import { fastEdgeListener } from './listener.js'

const servers: ReturnType<typeof createServer>[] = []
afterEach(() => {
  for (const server of servers.splice(0)) server.close()
})

// Like @hono/node-server's RESPONSE_ALREADY_SENT: one Web Response made before its listener swaps the globals.
const alreadySent = new Response(null, { headers: { 'x-hono-already-sent': 'true' } })

async function serve(app: Hono<EdgeEnv>): Promise<number> {
  const server = createServer(fastEdgeListener(app))
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

function send(
  port: number,
  options: { method?: string; path?: string; host?: string; body?: string; headers?: Record<string, string> },
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        port,
        host: '127.0.0.1',
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: { host: options.host ?? 'app.test', ...options.headers },
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => (body += chunk))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

/** A chain like the edge's: the answer written on Node's response, RESPONSE_ALREADY_SENT returned. */
function echoApp(): Hono<EdgeEnv> {
  const app = new Hono<EdgeEnv>()
  app.use(async (c, next) => {
    c.set('requestId', 'r1')
    await next()
  })
  app.all('*', async (c) => {
    const req = c.env.incoming
    let body = ''
    for await (const chunk of req) body += String(chunk)
    const res = c.env.outgoing
    res.writeHead(200, ['content-type', 'text/plain'])
    res.end(`${req.method} ${c.req.path} ${c.req.url} ${c.req.header('x-a') ?? '-'} ${body}`)
    return alreadySent
  })
  return app
}

describe('fastEdgeListener', () => {
  it('runs the chain on a plain GET, with the Web request built only when read', async () => {
    const port = await serve(echoApp())
    expect(await send(port, { path: '/a/b?q=1', headers: { 'x-a': 'one' } })).toEqual({
      status: 200,
      body: 'GET /a/b http://app.test/a/b?q=1 one ',
    })
    expect(await send(port, { host: 'app.test:8080', method: 'DELETE' })).toEqual({
      status: 200,
      body: 'DELETE / http://app.test:8080/ - ',
    })
  })

  it('answers HEAD once (node-server would write the wrapped GET again and cut the connection)', async () => {
    const port = await serve(echoApp())
    expect(await send(port, { method: 'HEAD' })).toEqual({ status: 200, body: '' })
    expect(await send(port, { method: 'HEAD' })).toEqual({ status: 200, body: '' })
  })

  it("leaves bodies and targets to normalise to node-server's listener", async () => {
    const port = await serve(echoApp())
    expect(await send(port, { method: 'POST', body: 'hello' })).toEqual({
      status: 200,
      body: 'POST / http://app.test/ - hello',
    })
    expect(await send(port, { path: '/a/../b' })).toMatchObject({ body: 'GET /b http://app.test/b - ' })
    expect(await send(port, { host: 'App.test:443' })).toMatchObject({
      body: 'GET / http://app.test:443/ - ',
    })
    expect((await send(port, { host: 'bad host' })).status).toBe(400)
  })

  it('writes a Web Response a stage returns, and a 500 when the chain throws', async () => {
    const app = new Hono<EdgeEnv>()
    app.get('/web', (c) => c.text('web answer', 201, { 'x-b': 'two' }))
    app.get('/throw', () => {
      throw new Error('boom')
    })
    app.onError((error) => {
      throw error
    })
    const port = await serve(app)
    expect(await send(port, { path: '/web' })).toEqual({ status: 201, body: 'web answer' })
    expect((await send(port, { path: '/throw' })).status).toBe(500)
  })
})
