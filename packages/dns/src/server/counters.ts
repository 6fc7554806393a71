import { RRType } from '@nines/wire'
import { SocketCounters, type SocketCountersSnapshot } from './socket-counters.js'

/** The qtype label values of `queriesByQtype`; anything else counts as `other`. */
export const QTYPE_BUCKETS = [
  'A',
  'AAAA',
  'SRV',
  'NS',
  'SOA',
  'TXT',
  'CNAME',
  'MX',
  'CAA',
  'ANY',
  'other',
] as const
export type QtypeBucket = (typeof QTYPE_BUCKETS)[number]

/** Response codes 0..23 by IANA name (16 is BADVERS with an OPT); anything above counts as `other`. */
export const RCODE_NAMES = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
  'DSOTYPENI',
  'RCODE12',
  'RCODE13',
  'RCODE14',
  'RCODE15',
  'BADVERS',
  'BADKEY',
  'BADTIME',
  'BADMODE',
  'BADNAME',
  'BADALG',
  'BADTRUNC',
  'BADCOOKIE',
  'other',
] as const
export type RcodeName = (typeof RCODE_NAMES)[number]

/** Upper bounds in seconds of the handler-time histogram (parse to reply buffer, not the socket). */
export const LATENCY_BOUNDS_SEC = [
  0.000_002, 0.000_005, 0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.005, 0.025,
] as const

/** Plain data, structured-clone safe: what a worker sends its primary and what /metrics reads. */
export interface QueryCountersSnapshot {
  queriesByQtype: Record<QtypeBucket, number>
  responsesByRcode: Record<RcodeName, number>
  queriesByTransport: { udp: number; tcp: number; doh: number; dot: number }
  /** Responses sent with TC=1 because they did not fit the client's UDP budget. */
  truncated: number
  /** Messages answered with nothing: responses (QR=1) and runts shorter than a header. */
  dropped: number
  /** Malformed queries answered with FORMERR. */
  formerr: number
  /** Resolver or encoder exceptions, answered with SERVFAIL. */
  internalErrors: number
  /** Same shape as @nines/ops HistogramSnapshot: per-bucket counts, the last above the top bound. */
  latency: { bounds: number[]; counts: number[]; sum: number }
  /**
   * The socket layer of the DnsServer given `counters: queryCounters.socket` (RRL drops and slips, TCP
   * rejects, idle and message timeouts, ...); all zero otherwise. Summed by `add` like the rest, so a
   * cluster primary reports every worker's sockets (`tcpOpen` then counts the open connections of all).
   */
  socket: SocketCountersSnapshot
}

const QTYPE_INDEX = new Uint8Array(65_536).fill(QTYPE_BUCKETS.length - 1)
QTYPE_BUCKETS.forEach((name, i) => {
  if (name !== 'other') QTYPE_INDEX[RRType[name]] = i
})
const RCODE_OTHER = RCODE_NAMES.length - 1

/**
 * Counters the query path increments: typed arrays and numbers, no labels, no allocation. They
 * become Prometheus metrics only at scrape time, through `snapshot()`.
 */
export class QueryCounters {
  readonly byQtype = new Float64Array(QTYPE_BUCKETS.length)
  readonly byRcode = new Float64Array(RCODE_NAMES.length)
  udp = 0
  tcp = 0
  doh = 0
  dot = 0
  truncated = 0
  dropped = 0
  formerr = 0
  internalErrors = 0
  readonly latencyCounts = new Float64Array(LATENCY_BOUNDS_SEC.length + 1)
  latencySumSec = 0
  /** Pass to `new DnsServer({ counters })` so that its socket counters travel with these. */
  readonly socket = new SocketCounters()

  countQtype(qtype: number): void {
    this.byQtype[QTYPE_INDEX[qtype & 0xffff]!]!++
  }

  countRcode(rcode: number): void {
    this.byRcode[rcode >= 0 && rcode < RCODE_OTHER ? rcode : RCODE_OTHER]!++
  }

  /** `weight` > 1 when only every Nth query is timed, so counts stay comparable to query totals. */
  observeLatency(seconds: number, weight = 1): void {
    let i = 0
    while (i < LATENCY_BOUNDS_SEC.length && seconds > LATENCY_BOUNDS_SEC[i]!) i++
    this.latencyCounts[i]! += weight
    this.latencySumSec += seconds * weight
  }

  snapshot(): QueryCountersSnapshot {
    return {
      queriesByQtype: record(QTYPE_BUCKETS, this.byQtype),
      responsesByRcode: record(RCODE_NAMES, this.byRcode),
      queriesByTransport: { udp: this.udp, tcp: this.tcp, doh: this.doh, dot: this.dot },
      truncated: this.truncated,
      dropped: this.dropped,
      formerr: this.formerr,
      internalErrors: this.internalErrors,
      latency: {
        bounds: [...LATENCY_BOUNDS_SEC],
        counts: Array.from(this.latencyCounts),
        sum: this.latencySumSec,
      },
      socket: this.socket.snapshot(),
    }
  }

  /** Adds a snapshot (a worker's) into these counters, e.g. in a cluster primary. */
  add(other: QueryCountersSnapshot): void {
    QTYPE_BUCKETS.forEach((name, i) => (this.byQtype[i]! += other.queriesByQtype[name] ?? 0))
    RCODE_NAMES.forEach((name, i) => (this.byRcode[i]! += other.responsesByRcode[name] ?? 0))
    this.udp += other.queriesByTransport.udp
    this.tcp += other.queriesByTransport.tcp
    this.doh += other.queriesByTransport.doh ?? 0
    this.dot += other.queriesByTransport.dot ?? 0
    this.truncated += other.truncated
    this.dropped += other.dropped
    this.formerr += other.formerr
    this.internalErrors += other.internalErrors
    for (let i = 0; i < this.latencyCounts.length; i++) this.latencyCounts[i]! += other.latency.counts[i] ?? 0
    this.latencySumSec += other.latency.sum
    if (other.socket !== undefined) this.socket.add(other.socket)
  }
}

function record<K extends string>(names: readonly K[], values: Float64Array): Record<K, number> {
  const out = {} as Record<K, number>
  names.forEach((name, i) => (out[name] = values[i]!))
  return out
}
