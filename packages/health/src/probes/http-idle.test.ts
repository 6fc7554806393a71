import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { httpCheckSchema } from '../check.js'
import { httpProbe } from './http-probe.js'
import { runProbe } from './run-probe.js'

describe('an idle kept-alive probe connection', () => {
  afterEach(() => vi.useRealTimers())

  it('keeps no process alive and is closed once idle past 4 s, even if never used again', async () => {
    const sockets = new Set<Socket>()
    const server = createServer((_request, response) => response.end('ok'))
    server.keepAliveTimeout = 600_000 // the server would keep it open for ten minutes
    server.on('connection', (socket: Socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const target = { address: '127.0.0.1', port: (server.address() as AddressInfo).port }
    const probe = httpProbe(httpCheckSchema.parse({ kind: 'http' }))

    const refs = () => process.getActiveResourcesInfo().filter((name) => name === 'TCPSocketWrap').length
    const baseline = refs()
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] })
    expect(await runProbe(probe, target, { timeoutMs: 2_000 })).toMatchObject({ ok: true })
    expect(sockets.size).toBe(1)
    // With the server's side let go, nothing of the connection holds the process: the probe's side is unref'd.
    sockets.forEach((socket) => socket.unref())
    expect(refs()).toBe(baseline)

    vi.advanceTimersByTime(3_000)
    expect(sockets.size).toBe(1) // not idle long enough yet
    vi.advanceTimersByTime(3_000)
    vi.useRealTimers()
    await vi.waitFor(() => expect(sockets.size).toBe(0))
    server.close()
  })
})
