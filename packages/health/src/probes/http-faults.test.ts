import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { httpCheckSchema } from '../check.js'
import type { Probe, ProbeTarget } from '../probe.js'
import { httpProbe } from './http-probe.js'
import { runProbe } from './run-probe.js'

// Every fault a probe can meet must heal: once the endpoint answers again, the very next probe succeeds,
// whatever the previous probes left behind (a hung request, a half-read body, a kept-alive socket).
type Fault = 'hang' | 'fail' | 'slow' | 'partial' | 'stopped'

const timeoutMs = 300
const answerMs = 2_000

/** A real server whose behaviour is switched between probes; `stopped` closes it and every connection. */
class FaultyEndpoint {
  fault: Fault | 'ok' = 'ok'
  /** Requests that arrived while a fault was staged. */
  faultyRequests = 0
  readonly #sockets = new Set<Socket>()
  readonly #timers = new Set<NodeJS.Timeout>()
  #server: Server | undefined
  port = 0

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      if (this.fault === 'ok') return void response.end('ok')
      this.faultyRequests++
      switch (this.fault) {
        case 'fail':
          return void response.writeHead(503).end('busy')
        case 'slow': {
          const timer = setTimeout(() => response.end('late'), timeoutMs * 4)
          this.#timers.add(timer)
          request.on('close', () => clearTimeout(timer))
          return
        }
        case 'partial':
          response.writeHead(200, { 'content-length': '100' })
          return void response.write('only part of it', () => response.socket?.destroy())
        default:
          return // hang: accept, never answer
      }
    })
    server.keepAliveTimeout = 60_000
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket)
      socket.on('close', () => this.#sockets.delete(socket))
    })
    server.listen(this.port, '127.0.0.1')
    await once(server, 'listening')
    this.port = (server.address() as AddressInfo).port
    this.#server = server
  }

  async stop(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer)
    for (const socket of this.#sockets) socket.destroy()
    const server = this.#server
    this.#server = undefined
    if (server?.listening) {
      server.close()
      await once(server, 'close')
    }
  }

  /** Connections the server holds open now. */
  connections(): number {
    return this.#sockets.size
  }
}

const faults: [Fault, string][] = [
  ['hang', 'timeout'],
  ['slow', 'timeout'],
  ['fail', 'status 503'],
  ['partial', 'closed mid-response'],
  ['stopped', 'ECONNREFUSED'],
]

describe.each([true, false])(
  'an http probe heals after each fault (reuseConnection %s)',
  (reuseConnection) => {
    const endpoint = new FaultyEndpoint()
    let probe: Probe
    let target: ProbeTarget

    beforeEach(async () => {
      endpoint.port = 0
      endpoint.fault = 'ok'
      endpoint.faultyRequests = 0
      await endpoint.start()
      target = { address: '127.0.0.1', port: endpoint.port }
      const bodyContains = 'ok'
      probe = httpProbe(httpCheckSchema.parse({ kind: 'http', reuseConnection, bodyContains }))
    })
    afterEach(() => endpoint.stop())

    const run = (ms = answerMs) => runProbe(probe, target, { timeoutMs: ms })

    it.each(faults)(
      '%s: fails with %s, and the next probe after it heals succeeds',
      async (fault, detail) => {
        expect(await run()).toMatchObject({ ok: true, detail: 'status 200' })
        if (fault === 'stopped') await endpoint.stop()
        else endpoint.fault = fault

        for (let i = 0; i < 3; i++) expect(await run(timeoutMs)).toMatchObject({ ok: false, detail })
        // A failed probe sends nothing more once it has settled (no retry of its own behind the caller's back).
        if (fault !== 'stopped') expect(endpoint.faultyRequests).toBe(3)

        endpoint.fault = 'ok'
        if (fault === 'stopped') await endpoint.start()
        expect(await run()).toMatchObject({ ok: true, detail: 'status 200' })
        expect(await run()).toMatchObject({ ok: true, detail: 'status 200' })
        // At most the one kept-alive connection is left open, never one per failed probe.
        await vi.waitFor(() => expect(endpoint.connections()).toBeLessThanOrEqual(reuseConnection ? 1 : 0))
      },
    )
  },
)
