import { InvalidArgumentError, noopLogger, type Logger } from '@nines/core'
import {
  DEFAULT_MAX_UDP_PAYLOAD,
  RRClass,
  RRType,
  Rcode,
  isQueryProblem,
  parseQuery,
  rcodeForProblem,
  slowParse,
  writeError,
  writeResponse,
  type Answer,
  type ParsedQuery,
  type QueryProblem,
  type ResponseLimits,
} from '@nines/wire'
import type { QueryCounters } from './counters.js'
import { compileIdentity, identitySchema, type IdentityOptionsInput } from './identity.js'
import { throttledLog } from './throttled-log.js'
import type { QueryClient, QueryHandler, Resolver, Transport } from './types.js'

/** One query as the sampled query log sees it; built only for the sampled queries. */
export interface QuerySample {
  transport: Transport
  client: QueryClient
  id: number | null
  qname: string | null
  qtype: number | null
  /** The client's EDNS Client Subnet, `203.0.113.0/24`. */
  ecs: string | null
  /** null when nothing was sent (a response or a runt). */
  rcode: number | null
  /** Why it was not a plain query (`qname`, `edns-version`, ... from the wire codec), or `internal-error`. */
  detail: string | null
  responseBytes: number
  truncated: boolean
}

export interface QueryHandlerOptions {
  /** Read at every query, so a swap by the daemon takes effect at once and never mid-query. */
  resolver: () => Resolver
  counters: QueryCounters
  /** Our advertised EDNS UDP payload size; default 1232 (Flag Day 2020). */
  maxUdpPayload?: number
  /** The sampled query log: called for every `sampleEvery`-th message. Exceptions are swallowed. */
  onQuery?: (sample: QuerySample) => void
  /** Default 1 (every message) when `onQuery` is set. */
  sampleEvery?: number
  /** Internal errors are logged at most once per 10 s (with the number suppressed). */
  logger?: Logger
  /**
   * Time every Nth message for the latency histogram, rounded up to a power of 2; default 16. Two
   * `performance.now()` calls cost ~0.1 µs, about 10 % of the handler and ~1 % of handler + send, so
   * each timed message is weighted N, keeping the histogram's count comparable to the query total.
   */
  timeEvery?: number
  /**
   * NSID and CHAOS answers (identitySchema; the instance's `dns.identity`): all off by default.
   * Queries without an NSID option and of class IN pay nothing for it.
   */
  identity?: IdentityOptionsInput
}

const TC_BIT = 0x02

/**
 * The query path: one fast parse (the dns2 fallback only for unusual shapes), one resolver lookup,
 * one buffer allocation for the reply. Responses and runts get nothing, malformed queries FORMERR,
 * unknown opcodes NOTIMP, unknown EDNS versions BADVERS; a resolver or encoder exception becomes
 * SERVFAIL. Synchronous and never throws.
 */
export function createQueryHandler(options: QueryHandlerOptions): QueryHandler {
  const { resolver, counters, onQuery, logger = noopLogger } = options
  const maxUdpPayload = options.maxUdpPayload ?? DEFAULT_MAX_UDP_PAYLOAD
  const parsedIdentity = identitySchema.safeParse(options.identity ?? {})
  if (!parsedIdentity.success) {
    const issue = parsedIdentity.error.issues[0]
    throw new InvalidArgumentError(`identity.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`)
  }
  const identity = compileIdentity(parsedIdentity.data)
  const nsid = identity.nsid
  const chaos = identity.chaos
  const udpLimits: ResponseLimits = Object.freeze({ maxUdpPayload, transport: 'udp', nsid })
  const tcpLimits: ResponseLimits = Object.freeze({ maxUdpPayload, transport: 'tcp', nsid })
  const timeMask = powerOfTwo(options.timeEvery ?? 16) - 1
  const sampleEvery = Math.max(1, Math.floor(options.sampleEvery ?? 1))
  let seen = 0
  let sampled = 0
  // What the last message came to, for the sampled query log only.
  let lastRcode: number | null = null
  let lastDetail: string | null = null
  const logError = throttledLog(logger, 'error')

  function answerQuery(
    query: ParsedQuery,
    msg: Buffer,
    client: QueryClient,
    limits: ResponseLimits,
    fixed: Answer | undefined,
  ): Buffer {
    counters.countQtype(query.qtype)
    try {
      const answer = fixed ?? resolver().resolve(query, client)
      const reply = writeResponse(query, msg, answer, limits)
      lastRcode = query.edns || answer.rcode <= 15 ? answer.rcode : Rcode.SERVFAIL
      return reply
    } catch (error) {
      internalError(error, query)
      lastRcode = Rcode.SERVFAIL
      lastDetail = 'internal-error'
      // writeError never throws: an empty body fits after any question.
      return writeError(msg, query, Rcode.SERVFAIL, limits)!
    }
  }

  function answerProblem(problem: QueryProblem, msg: Buffer, limits: ResponseLimits): Buffer | null {
    lastDetail = problem.detail
    const rcode = rcodeForProblem(problem)
    if (rcode === null) {
      counters.dropped++
      lastRcode = null
      return null
    }
    if (rcode === Rcode.FORMERR) counters.formerr++
    lastRcode = problem.edns || rcode <= 15 ? rcode : Rcode.SERVFAIL
    return writeError(msg, problem, rcode, limits)
  }

  function internalError(error: unknown, query: ParsedQuery | null): void {
    counters.internalErrors++
    logError(
      { err: error, qname: query?.qname, qtype: query?.qtype },
      'internal error while answering a query',
    )
  }

  function sample(
    msg: Buffer,
    client: QueryClient,
    transport: Transport,
    parsed: ParsedQuery | QueryProblem | null,
    reply: Buffer | null,
  ): void {
    const query = parsed && !isQueryProblem(parsed) ? parsed : null
    const ecs = query?.edns?.ecs
    try {
      onQuery?.({
        transport,
        client: { address: client.address, family: client.family, port: client.port },
        id: msg.length >= 2 ? msg.readUInt16BE(0) : null,
        qname: query ? query.qname : null,
        qtype: query ? query.qtype : null,
        ecs: ecs ? `${ecs.address}/${ecs.sourcePrefix}` : null,
        rcode: lastRcode,
        detail: lastDetail,
        responseBytes: reply ? reply.length : 0,
        truncated: reply !== null && (reply[2]! & TC_BIT) !== 0,
      })
    } catch {
      // A broken log hook must not cost an answer.
    }
  }

  return function handleQuery(msg: Buffer, client: QueryClient, transport: Transport): Buffer | null {
    const timed = (++seen & timeMask) === 0
    const start = timed ? performance.now() : 0
    const limits = transport === 'udp' ? udpLimits : tcpLimits
    counters[transport]++
    lastDetail = null
    let reply: Buffer | null
    let parsed: ParsedQuery | QueryProblem | null = null
    // An answer the resolver is not asked for: CHAOS TXT identity, which only the slow path sees.
    let fixed: Answer | undefined
    try {
      parsed = parseQuery(msg)
      if (isQueryProblem(parsed) && parsed.problem === 'slow') {
        parsed = slowParse(msg)
        if (chaos !== undefined && !isQueryProblem(parsed) && parsed.qclass === RRClass.CH) {
          // TXT, or ANY (RFC 8482: one RRset), as NSD answers them.
          fixed =
            parsed.qtype === RRType.TXT || parsed.qtype === RRType.ANY
              ? chaos.get(parsed.qnameKey)
              : undefined
        }
      }
      reply = isQueryProblem(parsed)
        ? answerProblem(parsed, msg, limits)
        : answerQuery(parsed, msg, client, limits, fixed)
    } catch (error) {
      // Only a bug in the codec gets here; the message is dropped rather than the process.
      internalError(error, parsed && !isQueryProblem(parsed) ? parsed : null)
      lastRcode = null
      lastDetail = 'internal-error'
      reply = null
    }
    if (reply !== null) {
      counters.countRcode(lastRcode ?? Rcode.SERVFAIL)
      if ((reply[2]! & TC_BIT) !== 0) counters.truncated++
    }
    if (timed) counters.observeLatency((performance.now() - start) / 1000, timeMask + 1)
    if (onQuery !== undefined && ++sampled >= sampleEvery) {
      sampled = 0
      sample(msg, client, transport, parsed, reply)
    }
    return reply
  }
}

function powerOfTwo(n: number): number {
  let p = 1
  while (p < n && p < 1 << 20) p <<= 1
  return p
}
