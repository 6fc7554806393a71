import { BadAnswerError } from './errors.js'
import { typeName } from './rrtype.js'
import type { Question, Reply, ReplyRecord, Transport } from './types.js'

export interface DohJsonOptions {
  /** Default: the global `fetch` (browsers, Node 20). */
  readonly fetch?: typeof fetch
  /** Extra request headers. */
  readonly headers?: Readonly<Record<string, string>>
}

/**
 * DNS over HTTPS in the JSON form Google and Cloudflare serve (`application/dns-json`): the nameserver is
 * the endpoint's URL (nines-dns: `doh.jsonPath`, default `/resolve`), asked `GET url?name=&type=`.
 * Any HTTP status but 200, a body that is not that JSON, or an answer to another question rejects with
 * BadAnswerError (NINES_ERR_BAD_ANSWER); nothing malformed throws past the promise.
 */
export function dohJson(options: DohJsonOptions = {}): Transport {
  return async (nameserver: string, question: Question, signal: AbortSignal): Promise<Reply> => {
    const doFetch = options.fetch ?? globalThis.fetch
    const url = new URL(nameserver)
    url.searchParams.set('name', question.name)
    url.searchParams.set('type', typeName(question.type).replace(/^TYPE/, ''))
    let response: Response
    try {
      // The resolver keeps its own TTL cache; a browser's HTTP cache answering from a reply's max-age
      // would hide a dead nameserver and defeat the failover. (Node's RequestInit types lack `cache`.)
      const init = {
        headers: { accept: 'application/dns-json', ...options.headers },
        cache: 'no-store',
        signal,
      }
      response = await doFetch(url.toString(), init as RequestInit)
    } catch (error) {
      if (signal.aborted) throw error
      // fetch says only "fetch failed"; the why (refused, certificate) is in its cause.
      const cause = (error as { cause?: { message?: unknown } }).cause?.message
      const why = `${(error as Error).message}${typeof cause === 'string' ? `: ${cause}` : ''}`
      throw new BadAnswerError(`${nameserver}: ${why}`, { cause: error })
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined)
      throw new BadAnswerError(`${nameserver}: HTTP ${response.status}`)
    }
    const text = await response.text()
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch (error) {
      throw new BadAnswerError(`${nameserver}: the body is not JSON (${text.slice(0, 40)})`, { cause: error })
    }
    return parseDnsJson(body, question, nameserver)
  }
}

/** The `{ Status, TC, Question, Answer, Authority }` object as a Reply; throws BadAnswerError if it is not one. */
export function parseDnsJson(body: unknown, question: Question, nameserver = 'the server'): Reply {
  const bad = (what: string): BadAnswerError => new BadAnswerError(`${nameserver}: dns-json ${what}`)
  if (typeof body !== 'object' || body === null) throw bad('is not an object')
  const object = body as Record<string, unknown>
  const status = object.Status
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 0)
    throw bad('has no numeric Status')
  if (object.TC === true) throw bad('is truncated (TC)')
  const asked = object.Question
  if (Array.isArray(asked) && asked.length > 0) {
    const first = asked[0] as Record<string, unknown> | undefined
    const name = typeof first?.name === 'string' ? bare(first.name) : undefined
    if (name !== question.name || first?.type !== question.type) {
      throw bad(`answers ${JSON.stringify(first)} instead of ${question.name} ${typeName(question.type)}`)
    }
  }
  return {
    rcode: status,
    answers: records(object.Answer, 'Answer', bad),
    authority: records(object.Authority, 'Authority', bad),
  }
}

function records(value: unknown, section: string, bad: (what: string) => BadAnswerError): ReplyRecord[] {
  if (value === undefined) return []
  if (!Array.isArray(value)) throw bad(`${section} is not an array`)
  return value.map((item: unknown, i) => {
    const r = item as Record<string, unknown> | null
    if (
      typeof r !== 'object' ||
      r === null ||
      typeof r.name !== 'string' ||
      typeof r.type !== 'number' ||
      typeof r.TTL !== 'number' ||
      typeof r.data !== 'string'
    ) {
      throw bad(`${section}[${i}] is not { name, type, TTL, data }`)
    }
    return {
      name: bare(r.name),
      type: r.type,
      ttl: Math.max(0, Math.floor(r.TTL)),
      data: bareData(r.type, r.data),
    }
  })
}

const bare = (name: string): string =>
  (name.length > 1 && name.endsWith('.') ? name.slice(0, -1) : name).toLowerCase()

// Google/Cloudflare write names inside data with the trailing dot (`www.example.com.`); wire answers do not.
const NAME_DATA = new Set([2, 5, 12])
function bareData(type: number, data: string): string {
  return NAME_DATA.has(type) ? bare(data) : data
}
