// `lookup` as node:net, node:http and undici call it, against the real nines DNS server, and connections
// that survive a dead endpoint among the answers (then heal).
import type { LookupAddress } from 'node:dns'
import { createServer, type Server as HttpServer, get, request } from 'node:http'
import { connect as netConnect, type Socket } from 'node:net'
import { isNinesError } from '@nines/core'
import { Agent, request as undiciRequest } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APP, APP_V4, APP_V6, TWO, TWO_V4, ZONE, fakeUdp, startServer } from '../testing.js'
import { connect, createHttpAgent, createNodeResolver, type NodeResolver } from './index.js'

let dns: Awaited<ReturnType<typeof startServer>>
let resolver: NodeResolver
beforeAll(async () => {
  dns = await startServer()
  resolver = createNodeResolver({ nameservers: [dns.spec] })
})
afterAll(async () => {
  resolver.close()
  await dns.server.close()
})

const lookupAll = (hostname: string, options: object = {}) =>
  new Promise<LookupAddress[]>((resolve, reject) =>
    resolver.lookup(hostname, { ...options, all: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses as LookupAddress[]),
    ),
  )
const lookupOne = (hostname: string, options: number | object) =>
  new Promise<{ address: string; family: number | undefined }>((resolve, reject) =>
    resolver.lookup(hostname, options as number, (error, address, family) =>
      error ? reject(error) : resolve({ address: address as string, family }),
    ),
  )

describe('lookup', () => {
  it('has dns.lookup’s signature: all, family, a bare callback', async () => {
    const all = await lookupAll(APP)
    expect(
      all
        .filter((a) => a.family === 4)
        .map((a) => a.address)
        .sort(),
    ).toEqual(APP_V4)
    expect(all.filter((a) => a.family === 6)).toEqual([{ address: APP_V6, family: 6 }])
    expect(await lookupAll(APP, { family: 6 })).toEqual([{ address: APP_V6, family: 6 }])
    expect(APP_V4).toContain((await lookupOne(APP, 4)).address)
    expect(await lookupOne(APP, { family: 6, hints: 0 })).toEqual({ address: APP_V6, family: 6 })
    const bare = await new Promise<string>((resolve, reject) =>
      resolver.lookup(APP, (error, address) => (error ? reject(error) : resolve(address as string))),
    )
    expect(APP_V4).toContain(bare)
  })

  it('answers IP literals and localhost without DNS, as dns.lookup does', async () => {
    const sent = resolver.stats()[0]!.sent
    expect(await lookupOne('192.0.2.7', {})).toEqual({ address: '192.0.2.7', family: 4 })
    expect(await lookupAll('localhost')).toEqual([
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ])
    expect(await lookupOne('::1', { family: 6 })).toEqual({ address: '::1', family: 6 })
    expect(resolver.stats()[0]!.sent).toBe(sent)
  })

  it('fails with ENOTFOUND for a name without addresses, NINES_ERR_NO_NAMESERVER when nobody answers; then recovers', async () => {
    await expect(lookupOne(`nope.${ZONE}`, {})).rejects.toMatchObject({ code: 'ENOTFOUND' })
    const silent = await fakeUdp(() => null)
    const lonely = createNodeResolver({ nameservers: [silent.spec], timeoutMs: 200 })
    const error = await new Promise((resolve) => lonely.lookup(APP, {}, (e) => resolve(e)))
    expect(isNinesError(error, 'NINES_ERR_NO_NAMESERVER')).toBe(true)
    lonely.close()
    await silent.close()
    expect(APP_V4).toContain((await lookupOne(APP, {})).address) // the configured one still answers
  })
})

/** An HTTP server on each of the two addresses, same port; each answers with its own address. */
async function endpoints(): Promise<{
  port: number
  servers: Map<string, HttpServer>
  start(address: string): Promise<void>
}> {
  const servers = new Map<string, HttpServer>()
  let port = 0
  const start = async (address: string): Promise<void> => {
    const server = createServer((_req, res) => res.end(address))
    await new Promise<void>((resolve) => server.listen(port, address, resolve))
    port = (server.address() as { port: number }).port
    servers.set(address, server)
  }
  for (const address of TWO_V4) await start(address)
  return { port, servers, start }
}

const stop = (server: HttpServer) =>
  new Promise<void>((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  })

describe('connections through the lookup', () => {
  let eps: Awaited<ReturnType<typeof endpoints>>
  beforeAll(async () => {
    eps = await endpoints()
  })
  afterAll(async () => {
    for (const server of eps.servers.values()) await stop(server)
  })

  const netConnectTo = (options: object) =>
    new Promise<Socket>((resolve, reject) => {
      const socket = netConnect({ host: TWO, port: eps.port, ...options } as never)
      socket.once('connect', () => resolve(socket))
      socket.once('error', reject)
    })
  const httpGet = (options: object) =>
    new Promise<string>((resolve, reject) => {
      const req = request({ host: TWO, port: eps.port, path: '/', ...options }, (res) => {
        let body = ''
        res.on('data', (c: Buffer) => (body += c.toString()))
        res.on('end', () => resolve(body))
      })
      req.on('error', reject)
      req.end()
    })

  it('net.connect, http.request and undici’s Agent accept it', async () => {
    const socket = await netConnectTo({ lookup: resolver.lookup })
    expect(TWO_V4).toContain(socket.remoteAddress)
    socket.destroy()
    expect(TWO_V4).toContain(await httpGet({ lookup: resolver.lookup, agent: false }))
    const agent = new Agent({ connect: { lookup: resolver.lookup } as never })
    const { body } = await undiciRequest(`http://${TWO}:${eps.port}/`, { dispatcher: agent })
    expect(TWO_V4).toContain(await body.text())
    await agent.close()
  })

  it('a refused first address moves on to the next at once, without asking DNS again; then heals', async () => {
    const [first] = (await lookupAll(TWO)).map((a) => a.address)
    await stop(eps.servers.get(first!)!)
    eps.servers.delete(first!)
    const sent = resolver.stats()[0]!.sent

    // connect() (net.connect with the options): it tried the dead one, connected to the other.
    const socket = connect(resolver.connectOptions, { host: TWO, port: eps.port })
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject))
    expect(socket.remoteAddress).not.toBe(first)
    expect(socket.autoSelectFamilyAttemptedAddresses[0]).toBe(`${first}:${eps.port}`)
    socket.destroy()
    // http.get through the agent, and undici through its connect options: both answered by the live one.
    const agent = createHttpAgent(resolver.connectOptions)
    const viaHttp = await new Promise<string>((resolve, reject) =>
      get({ host: TWO, port: eps.port, agent }, (res) => {
        let body = ''
        res.on('data', (c: Buffer) => (body += c.toString()))
        res.on('end', () => resolve(body))
      }).on('error', reject),
    )
    expect(viaHttp).not.toBe(first)
    agent.destroy()
    const undiciAgent = new Agent({ connect: resolver.connectOptions as never })
    const { body } = await undiciRequest(`http://${TWO}:${eps.port}/`, { dispatcher: undiciAgent })
    expect(await body.text()).not.toBe(first)
    await undiciAgent.close()
    expect(resolver.stats()[0]!.sent).toBe(sent) // the cached answer was enough: DNS never asked

    await eps.start(first!) // heal: the first address takes connections again
    const again = await netConnectTo(resolver.connectOptions)
    expect(again.remoteAddress).toBe(first)
    again.destroy()
  })
})
