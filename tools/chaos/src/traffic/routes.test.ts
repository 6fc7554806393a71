import type { LookupFunction } from '@nines/client/node'
import type { LookupAddress } from 'node:dns'
import { createServer, type AddressInfo, type Socket } from 'node:net'
import { describe, expect, it } from 'vitest'
import { routeMemory } from './routes.js'

const both: LookupFunction = (_host, _options, callback) =>
  process.nextTick(() =>
    callback!(null, [
      { address: '127.0.0.1', family: 4 },
      { address: '127.0.0.2', family: 4 },
    ]),
  )

const lookupAll = (lookup: LookupFunction) =>
  new Promise<string[]>((resolve, reject) =>
    lookup('app.test', { all: true }, (error, addresses) =>
      error ? reject(error) : resolve((addresses as LookupAddress[]).map((a) => a.address)),
    ),
  )

describe('routeMemory', () => {
  it('keeps the answer order while nothing failed', async () => {
    expect(await lookupAll(routeMemory(both, 250).lookup)).toEqual(['127.0.0.1', '127.0.0.2'])
  })

  it('tries an address whose connection was reset last', async () => {
    // Reset once the request starts: the connection itself succeeded (the dying router's listen queue).
    const server = createServer((socket) => socket.once('data', () => socket.resetAndDestroy()))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    const routes = routeMemory(both, 250)
    try {
      const socket = await new Promise<Socket>((resolve, reject) =>
        routes.connect(
          { hostname: 'app.test', host: 'app.test', port: `${port}`, protocol: 'http:' },
          (e, s) => (e ? reject(e) : resolve(s as Socket)),
        ),
      )
      expect(socket.remoteAddress).toBe('127.0.0.1')
      socket.write('GET / HTTP/1.1\r\n\r\n')
      await new Promise((resolve) => socket.once('close', resolve).once('error', () => {}))
      expect(await lookupAll(routes.lookup)).toEqual(['127.0.0.2', '127.0.0.1'])
    } finally {
      server.close()
    }
  })
})
