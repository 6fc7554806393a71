import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { Duplex } from 'node:stream'

/**
 * What the listeners hold open, across all their servers: client connections (TCP sockets, counted
 * before TLS so handshakes count too), requests in flight and upgraded (tunnelled) sockets. The graceful
 * close reads and waits on it.
 */
export class ConnectionTracker {
  readonly sockets = new Set<Socket>()
  readonly requests = new Set<ServerResponse>()
  readonly upgrades = new Set<Duplex>()
  /** Set when close begins: every response from then on carries `Connection: close`. */
  closing = false
  /** Requests that completed (responded or aborted by the client) since close began. */
  finishedWhileClosing = 0
  private readonly waiters = new Set<() => void>()

  /** Counts a connection; false when the shared maxConnections budget is spent (the caller refuses it). */
  addSocket(socket: Socket, maxConnections: number): boolean {
    if (this.sockets.size >= maxConnections) return false
    this.sockets.add(socket)
    socket.once('close', () => {
      this.sockets.delete(socket)
      this.notify()
    })
    return true
  }

  addRequest(req: IncomingMessage, res: ServerResponse): void {
    this.requests.add(res)
    if (this.closing) markLast(res)
    res.once('close', () => {
      this.requests.delete(res)
      if (this.closing) {
        this.finishedWhileClosing++
        // Its keep-alive connection is idle now and nobody will use it again.
        if (!req.socket.destroyed && !this.busy(req.socket)) req.socket.end()
      }
      this.notify()
    })
  }

  trackUpgrade(socket: Duplex): void {
    if (this.upgrades.has(socket)) return
    this.upgrades.add(socket)
    socket.once('close', () => {
      this.upgrades.delete(socket)
      this.notify()
    })
  }

  /** Begins closing: responses not yet started will say `Connection: close`. */
  beginClose(): void {
    this.closing = true
    for (const res of this.requests) markLast(res)
  }

  /** Resolves once `done()` holds or at `deadline` (epoch ms), whichever is first; true if done. */
  until(done: () => boolean, deadline: number): Promise<boolean> {
    if (done()) return Promise.resolve(true)
    return new Promise((resolve) => {
      const check = (): void => {
        if (!done()) return
        finish(true)
      }
      const finish = (result: boolean): void => {
        clearTimeout(timer)
        this.waiters.delete(check)
        resolve(result)
      }
      const timer = setTimeout(() => finish(done()), Math.max(0, deadline - Date.now()))
      this.waiters.add(check)
    })
  }

  private busy(socket: Duplex): boolean {
    for (const res of this.requests) if (res.req.socket === socket) return true
    return false
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter()
  }
}

function markLast(res: ServerResponse): void {
  // Node then sends `Connection: close` and ends the socket after this response.
  if (!res.headersSent) res.setHeader('connection', 'close')
}
