import { afterEach, describe, expect, it } from 'vitest'
import { clientLimitsSchema } from '../routes/edge-schema.js'
import { checkingIntervalMs } from './limits.js'
import { get, openForTest, rawClient, runCleanups, selfSigned, tempDir } from './testing.js'

afterEach(runCleanups)

describe('checkingIntervalMs', () => {
  it.each([
    [10_000, 30_000, 1000],
    [2000, 30_000, 500],
    [400, 2000, 100],
    [100, 100, 25],
  ])('headers %i ms, request %i ms → sweep every %i ms', (headersTimeoutMs, requestTimeoutMs, expected) => {
    expect(checkingIntervalMs({ headersTimeoutMs, requestTimeoutMs })).toBe(expected)
  })
})

describe('limits against slow clients', () => {
  it('closes slowloris clients with 408 while others are served, and heals', async () => {
    const listeners = await openForTest({
      listen: ['127.0.0.1:0'],
      limits: { headersTimeoutMs: 400, requestTimeoutMs: 2000 },
    })
    const address = listeners.addresses[0]!
    // Five clients that trickle a header line every 100 ms and never finish, plus one that sends nothing.
    const slow = await Promise.all(Array.from({ length: 6 }, () => rawClient(address)))
    const timers = slow.slice(0, 5).map(({ socket }) => {
      socket.write('GET / HTTP/1.1\r\nHost: x\r\n')
      return setInterval(() => socket.writable && socket.write('X-Drip: 1\r\n'), 100)
    })
    try {
      // Meanwhile a normal client is answered, request after request.
      for (let i = 0; i < 10; i++) expect(await get(address, `/${i}`)).toMatchObject({ status: 200 })
      // Node's 30 s default sweep would hold them far past the test's timeout.
      const outcomes = await Promise.all(slow.map(({ closed }) => closed))
      for (const text of outcomes) expect(text).toMatch(/^HTTP\/1\.1 408 /)
    } finally {
      timers.forEach(clearInterval)
    }
    await expect.poll(() => listeners.connections()).toBe(0)
    expect(await get(address)).toMatchObject({ status: 200, body: 'ok' })
  })

  it('answers a request whose body trickles past requestTimeout with 408', async () => {
    const listeners = await openForTest(
      { listen: ['127.0.0.1:0'], limits: { headersTimeoutMs: 200, requestTimeoutMs: 600 } },
      { onRequest: (req, res) => req.resume().on('end', () => res.end('done')) },
    )
    const client = await rawClient(listeners.addresses[0]!)
    client.socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n')
    const timer = setInterval(() => client.socket.writable && client.socket.write('a'), 100)
    try {
      expect(await client.closed).toMatch(/^HTTP\/1\.1 408 /)
    } finally {
      clearInterval(timer)
    }
    expect(await get(listeners.addresses[0]!)).toMatchObject({ status: 200 })
  })
})

describe('keepAliveTimeoutMs', () => {
  it('closes a keep-alive connection left idle after a response', async () => {
    const listeners = await openForTest({ listen: ['127.0.0.1:0'], limits: { keepAliveTimeoutMs: 200 } })
    const client = await rawClient(listeners.addresses[0]!)
    client.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n')
    const text = await client.closed
    expect(text).toMatch(/^HTTP\/1\.1 200 [^]*\r\nConnection: keep-alive\r\n[^]*ok$/)
    expect(await get(listeners.addresses[0]!)).toMatchObject({ status: 200 })
  })
})

describe('TLS handshake timeout', () => {
  it('closes a connection that never completes its handshake after headersTimeout, not 120 s', async () => {
    const dir = tempDir()
    const listeners = await openForTest({
      tls: { listen: ['127.0.0.1:0'], certificates: [selfSigned(dir, 'edge', ['edge.test'])] },
      limits: { headersTimeoutMs: 300, requestTimeoutMs: 1000 },
    })
    const silent = await rawClient(listeners.addresses[0]!)
    expect(await silent.closed).toBe('')
    await expect.poll(() => listeners.connections()).toBe(0)
  })
})

describe('maxConnections', () => {
  it('refuses connections over the budget, shared by all listeners, and accepts again when one closes', async () => {
    const listeners = await openForTest({
      listen: ['127.0.0.1:0', '[::1]:0'],
      limits: { maxConnections: 2 },
    })
    const [a, b] = listeners.addresses as [string, string]
    const first = await rawClient(a)
    await rawClient(b)
    await expect.poll(() => listeners.connections()).toBe(2)
    // Over the cap on either listener: accepted by the kernel, closed at once with nothing said.
    for (const address of [a, b]) {
      const extra = await rawClient(address)
      expect(await extra.closed).toBe('')
    }
    await expect(get(a)).rejects.toThrow()
    expect(listeners.connections()).toBe(2)

    first.socket.destroy()
    await expect.poll(() => listeners.connections()).toBe(1)
    expect(await get(a)).toMatchObject({ status: 200 })
    expect(await get(b)).toMatchObject({ status: 200 })
  })
})

describe('setLimits', () => {
  it('applies header size and connection limits to the running servers', async () => {
    const listeners = await openForTest({ listen: ['127.0.0.1:0'] })
    const address = listeners.addresses[0]!
    const big = `GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: ${'a'.repeat(3000)}\r\n\r\n`
    const send = async (): Promise<string> => {
      const client = await rawClient(address)
      client.socket.write(big)
      return client.closed
    }
    expect(await send()).toMatch(/^HTTP\/1\.1 200 /)

    const tight = clientLimitsSchema.parse({ maxHeaderBytes: 2048 })
    expect(listeners.setLimits(tight)).toEqual([])
    expect(await send()).toMatch(/^HTTP\/1\.1 431 /)

    expect(listeners.setLimits(clientLimitsSchema.parse({}))).toEqual([])
    expect(await send()).toMatch(/^HTTP\/1\.1 200 /)
    // A finer sweep than the running one cannot be applied in place.
    expect(listeners.setLimits(clientLimitsSchema.parse({ headersTimeoutMs: 400 }))).toEqual([
      'connectionsCheckingInterval',
    ])
  })
})
