import { connect } from 'node:net'
import type { Duplex } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import type { ListenersOptions } from './servers.js'
import { get, hostPort, openForTest, rawClient, runCleanups } from './testing.js'

afterEach(runCleanups)

/** /slow answers when the test releases it, /hang never does, anything else at once; upgrades echo. */
function handlers(): Pick<ListenersOptions, 'onRequest' | 'onUpgrade'> & { release(): void } {
  let release: () => void = () => {}
  const released = new Promise<void>((resolve) => (release = resolve))
  return {
    release: () => release(),
    onRequest(req, res) {
      if (req.url === '/slow') void released.then(() => res.end('slow done'))
      else if (req.url !== '/hang') res.end('ok')
    },
    onUpgrade(_req, socket: Duplex) {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n')
      socket.pipe(socket)
    },
  }
}

const UPGRADE = 'GET /tunnel HTTP/1.1\r\nHost: x\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n'

function refused(address: string): Promise<string> {
  const { host, port } = hostPort(address)
  const socket = connect({ host, port })
  return new Promise((resolve) => {
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'))
    socket.once('connect', () => {
      socket.destroy()
      resolve('connected')
    })
  })
}

describe('close', () => {
  it('stops accepting, closes idle connections, finishes in-flight requests, then ends tunnels', async () => {
    const { release, ...rest } = handlers()
    const listeners = await openForTest({ listen: ['127.0.0.1:0'] }, rest)
    const address = listeners.addresses[0]!

    const idle = await rawClient(address)
    idle.socket.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n')
    await expect.poll(() => idle.received()).toMatch(/\r\n\r\nok$/)
    const tunnel = await rawClient(address)
    tunnel.socket.write(UPGRADE)
    await expect.poll(() => tunnel.received()).toMatch(/^HTTP\/1\.1 101 /)
    const slow = await rawClient(address)
    slow.socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n')
    await expect.poll(() => listeners.inFlight()).toBe(1)

    const closing = listeners.close({ deadlineMs: 10_000 })
    // The listening socket is gone at once: no new connections, and a successor can bind the port.
    expect(await refused(address)).toBe('ECONNREFUSED')
    const successor = await openForTest(
      { listen: [`127.0.0.1:${hostPort(address).port}`] },
      { onRequest: (_req, res) => res.end('successor') },
    )
    expect(await get(successor.addresses[0]!)).toMatchObject({ body: 'successor' })

    expect(await idle.closed).toMatch(/\r\n\r\nok$/)
    // The tunnel still carries data while the request drains.
    tunnel.socket.write('ping')
    await expect.poll(() => tunnel.received()).toMatch(/ping$/)
    expect(slow.received()).toBe('')

    release()
    const answer = await slow.closed
    expect(answer).toMatch(/^HTTP\/1\.1 200 /)
    expect(answer).toMatch(/\r\nconnection: close\r\n/i)
    expect(answer).toMatch(/slow done$/)
    await tunnel.closed
    expect(await closing).toEqual({ finished: 1, forced: 0, upgradesClosed: 1 })
    expect(listeners.connections()).toBe(0)
  })

  it('forces a request still running at the deadline and a tunnel that does not close', async () => {
    const { release, ...rest } = handlers()
    const listeners = await openForTest({ listen: ['127.0.0.1:0'] }, rest)
    const address = listeners.addresses[0]!
    const hang = await rawClient(address)
    hang.socket.write('GET /hang HTTP/1.1\r\nHost: x\r\n\r\n')
    // allowHalfOpen: this client ignores the server's end, so only the deadline closes it.
    const tunnel = await rawClient(address, true)
    tunnel.socket.write(UPGRADE)
    await expect.poll(() => tunnel.received()).toMatch(/^HTTP\/1\.1 101 /)
    await expect.poll(() => listeners.inFlight()).toBe(1)

    const result = await listeners.close({ deadlineMs: 300 })
    expect(result).toEqual({ finished: 0, forced: 2, upgradesClosed: 0 })
    expect(await hang.closed).toBe('')
    // Half-open, the client only sees the server's side end; the server holds nothing any more.
    await expect.poll(() => tunnel.socket.readableEnded).toBe(true)
    expect(listeners.connections()).toBe(0)
    release()
  })

  it('tracks sockets handed to trackUpgrade and is idempotent', async () => {
    const listeners = await openForTest({ listen: ['127.0.0.1:0'] })
    const client = await rawClient(listeners.addresses[0]!)
    await expect.poll(() => listeners.connections()).toBe(1)
    const { Socket } = await import('node:net')
    const extra = new Socket()
    listeners.trackUpgrade(extra)
    const first = listeners.close({ deadlineMs: 200 })
    expect(listeners.close()).toBe(first)
    // A never-connected socket ignores end(), so the deadline destroys it.
    expect(await first).toMatchObject({ forced: 1 })
    expect(extra.destroyed).toBe(true)
    await client.closed
  })
})
