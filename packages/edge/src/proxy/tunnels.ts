import type { Duplex } from 'node:stream'

/** Ends a socket once what was queued for it is written (a close frame in flight must arrive), then destroys it. */
function endThenDestroy(socket: Duplex): void {
  if (socket.destroyed) return
  if (!socket.writable) socket.destroy()
  else socket.end(() => socket.destroy())
}

/**
 * The live upgraded connections (client socket ↔ upstream socket) of a router, so graceful shutdown can
 * stop accepting, let ordinary requests finish, and close these last with `closeAll()`.
 */
export class Tunnels {
  /** A set nobody reads, for callers that do not track tunnels. */
  static readonly none = new Tunnels()

  readonly #live = new Set<readonly [Duplex, Duplex]>()

  /** Upgraded connections still open. */
  get size(): number {
    return this.#live.size
  }

  /**
   * Pipes `client` and `upstream` both ways (with backpressure) and tracks the pair until both are closed.
   * One side closing ends the other after its queued bytes; an error destroys both at once.
   */
  open(client: Duplex, upstream: Duplex, onClose?: () => void): void {
    if (client.destroyed || upstream.destroyed) {
      client.destroy()
      upstream.destroy()
      onClose?.()
      return
    }
    const pair = [client, upstream] as const
    this.#live.add(pair)
    for (const s of pair) {
      const socket = s as Duplex & { setNoDelay?: (on: boolean) => void; setTimeout?: (ms: number) => void }
      socket.setNoDelay?.(true)
      socket.setTimeout?.(0) // a quiet chat is not idle in the HTTP sense
    }
    let closed = 0
    const onSideClosed = (other: Duplex) => (): void => {
      endThenDestroy(other)
      if (++closed === 2) {
        this.#live.delete(pair)
        onClose?.()
      }
    }
    const destroyBoth = (): void => {
      client.destroy()
      upstream.destroy()
    }
    client.on('error', destroyBoth)
    upstream.on('error', destroyBoth)
    client.once('close', onSideClosed(upstream))
    upstream.once('close', onSideClosed(client))
    upstream.pipe(client)
    client.pipe(upstream)
  }

  /** Destroys every live tunnel (shutdown, after ordinary requests have drained); returns how many. */
  closeAll(): number {
    const count = this.#live.size
    for (const [client, upstream] of [...this.#live]) {
      client.destroy()
      upstream.destroy()
    }
    return count
  }
}
