/** Plain data, structured-clone safe, for /metrics and for a worker's report to its primary. */
export interface SocketCountersSnapshot {
  /** `error` events of UDP sockets and sends that threw (each logged, at most once per 10 s). */
  udpErrors: number
  /** Datagrams from source port 0 (spoofed or broken): no reply is possible. */
  udpBadSourcePort: number
  tcpAccepted: number
  /** Closed at once because `maxConnections` were open. */
  tcpRejected: number
  /** Closed at once because `maxConnectionsPerSource` were open from the client's address. */
  tcpRejectedPerSource: number
  /** Open now (a gauge). */
  tcpOpen: number
  tcpIdleTimeouts: number
  /** Closed because a message begun was not complete within `messageTimeoutMs`. */
  tcpMessageTimeouts: number
  /** Closed because a frame declared fewer than 12 bytes. */
  tcpBadFrames: number
  tcpErrors: number
  /** Responses the RRL dropped (not sent). */
  rrlDropped: number
  /** Limited responses sent as an empty TC=1 answer instead: the truncations RRL causes (not in `truncated`). */
  rrlSlipped: number
  /** TLS handshakes of DoT and DoH clients that failed or timed out. */
  tlsHandshakeErrors: number
  /** DoH requests refused before the handler: bad method, path, content type, size or parameters. */
  dohBadRequests: number
  /** DoH requests answered 429 by the RRL. */
  dohRateLimited: number
}

/** Every field of SocketCountersSnapshot, in order: for exporters and for summing. */
export const SOCKET_COUNTER_NAMES = [
  'udpErrors',
  'udpBadSourcePort',
  'tcpAccepted',
  'tcpRejected',
  'tcpRejectedPerSource',
  'tcpOpen',
  'tcpIdleTimeouts',
  'tcpMessageTimeouts',
  'tcpBadFrames',
  'tcpErrors',
  'rrlDropped',
  'rrlSlipped',
  'tlsHandshakeErrors',
  'dohBadRequests',
  'dohRateLimited',
] as const satisfies readonly (keyof SocketCountersSnapshot)[]

/** Counters of the socket layer; the query counters live in QueryCounters. */
export class SocketCounters implements SocketCountersSnapshot {
  udpErrors = 0
  udpBadSourcePort = 0
  tcpAccepted = 0
  tcpRejected = 0
  tcpRejectedPerSource = 0
  tcpOpen = 0
  tcpIdleTimeouts = 0
  tcpMessageTimeouts = 0
  tcpBadFrames = 0
  tcpErrors = 0
  rrlDropped = 0
  rrlSlipped = 0
  tlsHandshakeErrors = 0
  dohBadRequests = 0
  dohRateLimited = 0

  /** Adds a snapshot (a worker's) into these counters. */
  add(other: Partial<SocketCountersSnapshot>): void {
    for (const key of SOCKET_COUNTER_NAMES) this[key] += other[key] ?? 0
  }

  snapshot(): SocketCountersSnapshot {
    return {
      udpErrors: this.udpErrors,
      udpBadSourcePort: this.udpBadSourcePort,
      tcpAccepted: this.tcpAccepted,
      tcpRejected: this.tcpRejected,
      tcpRejectedPerSource: this.tcpRejectedPerSource,
      tcpOpen: this.tcpOpen,
      tcpIdleTimeouts: this.tcpIdleTimeouts,
      tcpMessageTimeouts: this.tcpMessageTimeouts,
      tcpBadFrames: this.tcpBadFrames,
      tcpErrors: this.tcpErrors,
      rrlDropped: this.rrlDropped,
      rrlSlipped: this.rrlSlipped,
      tlsHandshakeErrors: this.tlsHandshakeErrors,
      dohBadRequests: this.dohBadRequests,
      dohRateLimited: this.dohRateLimited,
    }
  }
}
