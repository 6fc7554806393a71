import { AnswerCache, type CacheEntry } from './cache.js'
import { BadAnswerError, ClientArgumentError, ClientError, NoNameserverError } from './errors.js'
import { NameserverHealth } from './health.js'
import { SOA_TYPE, typeName, typeNumber } from './rrtype.js'
import type { NameserverStats, Question, Reply, ReplyRecord, Resolution, Transport } from './types.js'

export interface ResolverOptions {
  /** Every nameserver, in order of preference. What a string means is the transport's business. */
  readonly nameservers: readonly string[]
  readonly transport: Transport
  /** Ask the next nameserver when the current one has not answered after this long; default 250. */
  readonly staggerMs?: number
  /** A question's whole budget, all nameservers together; default 2000. */
  readonly timeoutMs?: number
  /** Misses in a row before a nameserver is skipped; default 1. */
  readonly skipAfterFailures?: number
  /** How long a failing nameserver is skipped; default 30 000, doubling while it keeps failing. */
  readonly skipForMs?: number
  /** The cap of that doubling; default 300 000. */
  readonly maxSkipForMs?: number
  /** Positive answers are cached for their TTL clamped to [minTtlSec, maxTtlSec]; defaults 0 and 86 400. */
  readonly minTtlSec?: number
  readonly maxTtlSec?: number
  /** NXDOMAIN/NODATA are cached for the SOA's negative TTL (RFC 2308), at most this; default 3600. */
  readonly maxNegativeTtlSec?: number
  /**
   * Serve-stale (RFC 8767): when no nameserver answers, an entry expired less than this long ago is
   * returned marked `stale` (TTL 30). Default 0 (off); RFC 8767 suggests 1–3 days (86 400–259 200).
   */
  readonly staleSec?: number
  /** Cached questions at most; least recently used ones go first. Default 10 000. */
  readonly maxEntries?: number
  /** Which families `addresses()` asks: 4 (A), 6 (AAAA) or 0 (both, A first); default 0. */
  readonly family?: 0 | 4 | 6
  /** Epoch ms; for tests. */
  readonly now?: () => number
  /** Called by `close()` (a transport's sockets, agents). */
  readonly onClose?: () => void
}

export interface Resolver {
  /** One question, from the cache or the nameservers. Rejects with NoNameserverError (NINES_ERR_NO_NAMESERVER). */
  resolve(name: string, type?: string | number): Promise<Resolution>
  /** The name's addresses: A then AAAA (per `family`); [] when the name has none. */
  addresses(name: string, family?: 0 | 4 | 6): Promise<string[]>
  stats(): NameserverStats[]
  /** Cancels questions in flight, empties the cache, closes the transport; later questions reject (NINES_ERR_CLOSED). */
  close(): void
}

// RFC 8767 §4: a stale answer is handed out with a TTL of 30 s.
const STALE_TTL_SEC = 30
const NOERROR = 0
const NXDOMAIN = 3

/**
 * The transport-agnostic resolver: staggered (hedged) asks over every nameserver with per-nameserver
 * skipping, a TTL cache with negative caching and serve-stale, and one question in flight per (name, type).
 */
export function createResolver(options: ResolverOptions): Resolver {
  const num = (key: keyof ResolverOptions, fallback: number, min = 0): number => {
    const value = options[key] ?? fallback
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
      throw new ClientArgumentError(`${key}: expected a number >= ${min}, got ${JSON.stringify(value)}`)
    }
    return value
  }
  const nameservers = options.nameservers
  if (
    !Array.isArray(nameservers) ||
    nameservers.length === 0 ||
    nameservers.some((n) => typeof n !== 'string')
  ) {
    throw new ClientArgumentError(
      `nameservers: expected at least one nameserver string, got ${JSON.stringify(nameservers)}`,
    )
  }
  if (typeof options.transport !== 'function') {
    throw new ClientArgumentError(
      'transport: expected a function (nameserver, question, signal) => Promise<Reply>',
    )
  }
  const staggerMs = num('staggerMs', 250)
  const timeoutMs = num('timeoutMs', 2000, 1)
  const minTtlSec = num('minTtlSec', 0)
  const maxTtlSec = num('maxTtlSec', 86_400)
  const maxNegativeTtlSec = num('maxNegativeTtlSec', 3600)
  const staleMs = num('staleSec', 0) * 1000
  const health = {
    skipAfterFailures: num('skipAfterFailures', 1, 1),
    skipForMs: num('skipForMs', 30_000),
    maxSkipForMs: num('maxSkipForMs', 300_000),
  }
  const now = options.now ?? Date.now
  const transport = options.transport
  const servers = nameservers.map((ns) => new NameserverHealth(ns, health))
  const cache = new AnswerCache(num('maxEntries', 10_000, 1), staleMs)
  const inFlight = new Map<string, Promise<Resolution>>()
  const closing = new AbortController()

  const resolve = async (name: string, type: string | number = 'A'): Promise<Resolution> => {
    const qtype = typeNumber(type)
    if (typeof name !== 'string' || name.length === 0 || qtype === undefined) {
      throw new ClientArgumentError(
        `resolve: expected a name and an RR type (A, AAAA, TYPE65, 28), got ${JSON.stringify(name)} ${JSON.stringify(type)}`,
      )
    }
    if (closing.signal.aborted)
      throw new ClientError('NINES_ERR_CLOSED', `resolve ${name}: the resolver is closed`)
    const qname = name.endsWith('.') && name.length > 1 ? name.slice(0, -1).toLowerCase() : name.toLowerCase()
    const key = `${qname}/${qtype}`
    const at = now()
    const cached = cache.get(key, at)
    if (cached !== undefined && at < cached.expiresAt) return fromCache(qname, qtype, cached, at, false, true)
    const running = inFlight.get(key)
    if (running !== undefined) return running
    const asked = ask({ name: qname, type: qtype }).then(
      (reply) => store(key, qname, qtype, reply.reply, reply.nameserver),
      (error: unknown) => {
        const stale = cache.get(key, now())
        if (stale !== undefined && !closing.signal.aborted)
          return fromCache(qname, qtype, stale, now(), true, true)
        throw error
      },
    )
    inFlight.set(key, asked)
    try {
      return await asked
    } finally {
      inFlight.delete(key)
    }
  }

  const store = (key: string, name: string, type: number, reply: Reply, nameserver: string): Resolution => {
    const at = now()
    const negative = reply.rcode === NXDOMAIN || reply.answers.length === 0
    const ttl = negative
      ? negativeTtl(reply, maxNegativeTtlSec)
      : clampedTtl(reply.answers, minTtlSec, maxTtlSec)
    const entry: CacheEntry = {
      records: reply.answers,
      rcode: reply.rcode,
      nameserver,
      storedAt: at,
      expiresAt: at + ttl * 1000,
    }
    cache.set(key, entry)
    return fromCache(name, type, entry, at, false, false)
  }

  /** Asks the nameservers, staggered, until one gives a usable reply or the budget runs out. */
  const ask = (question: Question): Promise<{ reply: Reply; nameserver: string }> =>
    new Promise((resolvePromise, rejectPromise) => {
      const started = now()
      const order = ordered(servers, started)
      const failures: { nameserver: string; error: string }[] = []
      const running = new Map<NameserverHealth, { controller: AbortController; at: number }>()
      let next = 0
      let settled = false
      let staggerTimer: ReturnType<typeof setTimeout> | undefined
      const finish = (): void => {
        settled = true
        clearTimeout(staggerTimer)
        clearTimeout(deadline)
        closing.signal.removeEventListener('abort', onClose)
      }
      const fail = (): void => {
        const name = question.name
        rejectPromise(new NoNameserverError(name, typeName(question.type), failures))
      }
      const deadline = setTimeout(() => {
        if (settled) return
        finish()
        const at = now()
        for (const [server, attempt] of running) {
          failures.push({ nameserver: server.nameserver, error: `no answer within ${timeoutMs} ms` })
          server.miss(at)
          attempt.controller.abort()
        }
        for (const server of order.slice(next))
          failures.push({ nameserver: server.nameserver, error: 'not asked' })
        fail()
      }, timeoutMs)
      const onClose = (): void => {
        if (settled) return
        finish()
        for (const attempt of running.values()) attempt.controller.abort()
        failures.push({ nameserver: '*', error: 'the resolver was closed' })
        fail()
      }
      closing.signal.addEventListener('abort', onClose)

      const startNext = (): void => {
        clearTimeout(staggerTimer)
        if (settled) return
        const server = order[next++]
        if (server === undefined) {
          if (running.size === 0) {
            finish()
            fail()
          }
          return
        }
        const controller = new AbortController()
        const at = now()
        running.set(server, { controller, at })
        server.sent++
        let attempt: Promise<Reply>
        try {
          attempt = transport(server.nameserver, question, controller.signal)
        } catch (error) {
          attempt = Promise.reject(error)
        }
        attempt.then(
          (reply) => {
            if (settled || controller.signal.aborted) return
            running.delete(server)
            const problem = unusable(reply)
            if (problem !== undefined) return missed(server, problem)
            server.success()
            const won = now()
            finish()
            // Asked earlier and still silent: overtaken by a later ask, that is a miss (a dead nameserver
            // costs the stagger once, then it is skipped).
            for (const [other, earlier] of running) {
              earlier.controller.abort()
              if (earlier.at < at) other.miss(won)
            }
            resolvePromise({ reply, nameserver: server.nameserver })
          },
          (error: unknown) => {
            if (settled || controller.signal.aborted) return
            running.delete(server)
            // Transports name the nameserver in their messages for callers of their own; here it is named once.
            const why = reason(error)
            missed(
              server,
              why.startsWith(`${server.nameserver}: `) ? why.slice(server.nameserver.length + 2) : why,
            )
          },
        )
        // The next nameserver: after the stagger, unless the rest are skipped ones, kept for when all fail.
        const following = order[next]
        if (following !== undefined && !(following.skipped(started) && !server.skipped(started))) {
          staggerTimer = setTimeout(startNext, staggerMs)
        }
      }
      const missed = (server: NameserverHealth, error: string): void => {
        server.miss(now())
        failures.push({ nameserver: server.nameserver, error })
        startNext()
      }
      startNext()
    })

  return {
    resolve,
    async addresses(name: string, family = options.family ?? 0): Promise<string[]> {
      const types = family === 4 ? ['A'] : family === 6 ? ['AAAA'] : ['A', 'AAAA']
      const settled = await Promise.allSettled(types.map((type) => resolve(name, type)))
      if (settled.every((s) => s.status === 'rejected')) throw (settled[0] as PromiseRejectedResult).reason
      const wanted = new Set(types.map((t) => typeNumber(t)))
      return settled.flatMap((s) =>
        s.status === 'fulfilled' ? s.value.records.filter((r) => wanted.has(r.type)).map((r) => r.data) : [],
      )
    },
    stats: () => servers.map((server) => server.stats(now())),
    close() {
      closing.abort()
      cache.clear()
      options.onClose?.()
    },
  }
}

/** Not skipped ones in configured order, then the skipped ones, soonest back first. */
function ordered(servers: readonly NameserverHealth[], now: number): NameserverHealth[] {
  const healthy = servers.filter((s) => !s.skipped(now))
  const skipped = servers.filter((s) => s.skipped(now)).sort((a, b) => a.until() - b.until())
  return [...healthy, ...skipped]
}

/** Why a reply cannot be used (move on to the next nameserver), or undefined. */
function unusable(reply: Reply): string | undefined {
  if (reply.rcode !== NOERROR && reply.rcode !== NXDOMAIN) return `rcode ${rcodeName(reply.rcode)}`
  return undefined
}

function rcodeName(rcode: number): string {
  return ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'][rcode] ?? String(rcode)
}

function reason(error: unknown): string {
  if (error instanceof BadAnswerError) return error.message
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return typeof code === 'string' && !error.message.includes(code)
      ? `${code}: ${error.message}`
      : error.message
  }
  return String(error)
}

function clampedTtl(records: readonly ReplyRecord[], min: number, max: number): number {
  const lowest = Math.min(...records.map((r) => r.ttl))
  return Math.min(Math.max(lowest, min), max)
}

/** RFC 2308 §5: the lower of the SOA's TTL and its MINIMUM; no SOA, no negative caching. */
function negativeTtl(reply: Reply, cap: number): number {
  const soa = reply.authority.find((r) => r.type === SOA_TYPE)
  if (soa === undefined) return 0
  const minimum = Number(soa.data.trim().split(/\s+/)[6])
  return Math.min(Number.isFinite(minimum) ? Math.min(soa.ttl, minimum) : soa.ttl, cap)
}

function fromCache(
  name: string,
  type: number,
  entry: CacheEntry,
  now: number,
  stale: boolean,
  cached: boolean,
): Resolution {
  const left = stale ? STALE_TTL_SEC : Math.max(0, Math.ceil((entry.expiresAt - now) / 1000))
  return {
    name,
    type: typeName(type),
    records: entry.records.map((r) => ({ ...r, ttl: left })),
    rcode: entry.rcode,
    ttl: left,
    stale,
    cached,
    nameserver: entry.nameserver,
  }
}
