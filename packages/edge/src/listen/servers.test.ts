import { createServer } from 'node:net'
import { once } from 'node:events'
import { afterEach, describe, expect, it } from 'vitest'
import { isNinesError } from '@nines/core'
import { get, hostPort, openForTest, rawClient, runCleanups } from './testing.js'

afterEach(runCleanups)

describe('openListeners', () => {
  it('binds every address (port 0 → a real port) and serves the request handler', async () => {
    const listeners = await openForTest(
      { listen: ['127.0.0.1:0', '[::1]:0'] },
      { onRequest: (req, res) => res.end(`hello ${req.url}`) },
    )
    expect(listeners.addresses).toHaveLength(2)
    expect(listeners.addresses[0]).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/)
    expect(listeners.addresses[1]).toMatch(/^http:\/\/\[::1\]:[1-9]\d*$/)
    for (const address of listeners.addresses) {
      expect(await get(address, '/x')).toMatchObject({ status: 200, body: 'hello /x' })
    }
  })

  it('binds IPv6 addresses IPv6-only, so [::]:p and 0.0.0.0:p can both be listed', async () => {
    const listeners = await openForTest({ listen: ['[::]:0'] })
    const { port } = hostPort(listeners.addresses[0]!)
    // With ipv6Only the IPv4 side of the port is still free.
    const v4 = createServer()
    v4.listen(port, '0.0.0.0')
    await once(v4, 'listening')
    await new Promise((resolve) => v4.close(resolve))
    expect(await get(`http://[::1]:${port}`)).toMatchObject({ status: 200 })
  })

  it('names the address that cannot be bound and leaves nothing open', async () => {
    const first = await openForTest({ listen: ['127.0.0.1:0'] })
    const { port } = hostPort(first.addresses[0]!)
    const attempt = openForTest({ listen: ['127.0.0.1:0', `127.0.0.1:${port}`] })
    await expect(attempt).rejects.toSatisfy(
      (error) => isNinesError(error, 'NINES_ERR_ADDRESS_IN_USE') && error.message.startsWith('listen[1]: '),
    )
    // The fault heals: once the holder is gone, the same entry binds.
    await first.close({ deadlineMs: 100 })
    const again = await openForTest({ listen: [`127.0.0.1:${port}`] })
    expect(await get(again.addresses[0]!)).toMatchObject({ status: 200 })
  })

  it('answers malformed requests 400 and oversized headers 431, and keeps serving', async () => {
    const listeners = await openForTest({ listen: ['127.0.0.1:0'], limits: { maxHeaderBytes: 2048 } })
    const address = listeners.addresses[0]!
    const bad = await rawClient(address)
    bad.socket.write('NOT HTTP AT ALL\r\n\r\n')
    expect(await bad.closed).toMatch(/^HTTP\/1\.1 400 /)
    const big = await rawClient(address)
    big.socket.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(4096)}\r\n\r\n`)
    expect(await big.closed).toMatch(/^HTTP\/1\.1 431 /)
    expect(await get(address)).toMatchObject({ status: 200, body: 'ok' })
  })

  it('counts connections and requests in flight', async () => {
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    const listeners = await openForTest(
      { listen: ['127.0.0.1:0'] },
      { onRequest: (_req, res) => void held.then(() => res.end('late')) },
    )
    const reply = get(listeners.addresses[0]!)
    await expect.poll(() => listeners.inFlight()).toBe(1)
    expect(listeners.connections()).toBe(1)
    release()
    expect(await reply).toMatchObject({ body: 'late' })
    await expect.poll(() => listeners.inFlight()).toBe(0)
  })

  it('closes a connection after maxRequestsPerConnection requests', async () => {
    const listeners = await openForTest({ listen: ['127.0.0.1:0'] }, { maxRequestsPerConnection: 2 })
    const client = await rawClient(listeners.addresses[0]!)
    client.socket.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\n')
    await expect.poll(() => client.received()).toMatch(/ok$/)
    expect(client.received()).toMatch(/\r\nConnection: keep-alive\r\n/)
    client.socket.write('GET /2 HTTP/1.1\r\nHost: x\r\n\r\n')
    const text = await client.closed
    expect(text.split('HTTP/1.1 200 ')).toHaveLength(3)
    expect(text).toMatch(/\r\nconnection: close\r\n[^]*ok$/i)
  })

  it('only closes a connection whose response has begun when the client then sends garbage', async () => {
    const debug: string[] = []
    const ignore = (): void => {}
    const listeners = await openForTest(
      { listen: ['127.0.0.1:0'] },
      {
        onRequest: (req, res) =>
          req.url === '/stream' ? res.writeHead(200, { 'content-length': 100 }).write('part') : res.end('ok'),
        logger: {
          debug: (fields) => debug.push(JSON.stringify(fields)),
          info: ignore,
          warn: ignore,
          error: ignore,
        },
      },
    )
    const client = await rawClient(listeners.addresses[0]!)
    client.socket.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n')
    await expect.poll(() => client.received()).toMatch(/part$/)
    client.socket.write('NOT HTTP\r\n\r\n')
    const text = await client.closed
    expect(text).toMatch(/^HTTP\/1\.1 200 [^]*part$/)
    expect(text).not.toMatch(/HTTP\/1\.1 400/)
    expect(debug.join()).toMatch(/HPE_/)
    expect(await get(listeners.addresses[0]!)).toMatchObject({ status: 200 })
  })

  it('answers 500 when the request handler throws, and keeps serving', async () => {
    const errors: string[] = []
    const ignore = (): void => {}
    const listeners = await openForTest(
      { listen: ['127.0.0.1:0'] },
      {
        onRequest: (req, res) => {
          if (req.url === '/throw') throw new Error('boom')
          res.end('ok')
        },
        logger: {
          debug: ignore,
          info: ignore,
          warn: ignore,
          error: (fields) => errors.push(JSON.stringify(fields)),
        },
      },
    )
    expect(await get(listeners.addresses[0]!, '/throw')).toMatchObject({ status: 500 })
    expect(errors.join()).toMatch(/boom/)
    expect(await get(listeners.addresses[0]!)).toMatchObject({ status: 200, body: 'ok' })
  })
})
