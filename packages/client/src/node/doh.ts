import { Agent as HttpAgent, request as httpRequest } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import type { ClientHttp2Session } from 'node:http2'
import { BadAnswerError } from '../errors.js'
import type { Question, Reply } from '../types.js'
import { H2Sessions } from './h2.js'
import { aborted, decodeReply, queryBytes, toReply } from './message.js'

// RFC 8484 §4.1: a DoH query should use ID 0, which makes equal questions cacheable by HTTP caches.
const DOH_ID = 0
const MAX_BODY = 65_535

export interface DohAgents {
  readonly http: HttpAgent
  readonly https: HttpsAgent
  /** HTTP/2 sessions for https URLs; absent: HTTP/1.1 only. */
  readonly h2?: H2Sessions
  destroy(): void
}

/**
 * Connections for DoH: HTTP/2 sessions for https (unless `http2: false`), keep-alive HTTP/1.1 agents for
 * http and for https servers without h2. `ca` trusts a private CA (PEM) besides nothing else, as
 * `https.request` does.
 */
export function dohAgents(
  ca?: string | Buffer | readonly (string | Buffer)[],
  options: { http2?: boolean } = {},
): DohAgents {
  const http = new HttpAgent({ keepAlive: true, maxSockets: 4 })
  const https = new HttpsAgent({
    keepAlive: true,
    maxSockets: 4,
    ...(ca !== undefined && { ca: ca as string }),
  })
  const h2 = options.http2 === false ? undefined : new H2Sessions(ca === undefined ? {} : { ca })
  return {
    http,
    https,
    ...(h2 && { h2 }),
    destroy() {
      http.destroy()
      https.destroy()
      h2?.close()
    },
  }
}

export type DohMethod = 'POST' | 'GET'

/**
 * RFC 8484 wire format to the URL (`https://host:8443/dns-query`): POST `application/dns-message`, or
 * GET `?dns=<base64url>` (§4.1; with ID 0 equal questions are equal URLs, so HTTP caches can answer).
 */
export function dohQuery(
  url: URL,
  agents: DohAgents,
  question: Question,
  signal: AbortSignal,
  method: DohMethod = 'POST',
): Promise<Reply> {
  const body = queryBytes(question, DOH_ID)
  const from = url.toString()
  let target = url
  if (method === 'GET') {
    target = new URL(url)
    target.searchParams.set('dns', body.toString('base64url')) // unpadded, as §4.1 asks
  }
  const secure = url.protocol === 'https:'
  if (secure && agents.h2 !== undefined) {
    return agents.h2.session(url).then(
      (session) =>
        session === undefined
          ? http1(target, from, agents, question, signal, method, body)
          : h2Query(agents.h2!, session, target, from, question, signal, method, body),
      (error: Error) => {
        throw new BadAnswerError(`${from}: ${error.message}`, { cause: error })
      },
    )
  }
  return http1(target, from, agents, question, signal, method, body)
}

function h2Query(
  sessions: H2Sessions,
  session: ClientHttp2Session,
  target: URL,
  from: string,
  question: Question,
  signal: AbortSignal,
  method: DohMethod,
  body: Buffer,
): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    if (signal.aborted) return reject(aborted(signal))
    sessions.hold(session) // an open stream keeps the process alive; an idle session does not
    const stream = session.request(
      {
        ':method': method,
        ':path': `${target.pathname}${target.search}`,
        accept: 'application/dns-message',
        ...(method === 'POST' && { 'content-type': 'application/dns-message' }),
      },
      { signal },
    )
    let done = false
    const finish = (error: Error | null, reply?: Reply): void => {
      if (done) return
      done = true
      if (!stream.destroyed) stream.close()
      sessions.release(session)
      if (error) reject(error)
      else resolve(reply!)
    }
    stream.on('error', (error) =>
      finish(
        signal.aborted ? aborted(signal) : new BadAnswerError(`${from}: ${error.message}`, { cause: error }),
      ),
    )
    stream.on('response', (headers) => {
      const status = Number(headers[':status'])
      const type = String(headers['content-type'] ?? '')
      if (status !== 200 || !type.startsWith('application/dns-message')) {
        return finish(new BadAnswerError(`${from}: HTTP ${status} ${type || 'without a content-type'}`))
      }
      const chunks: Buffer[] = []
      let size = 0
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > MAX_BODY) return finish(new BadAnswerError(`${from}: the body is over ${MAX_BODY} bytes`))
        chunks.push(chunk)
      })
      stream.on('end', () => {
        try {
          finish(null, toReply(decodeReply(Buffer.concat(chunks), question, undefined, from)))
        } catch (error) {
          finish(error instanceof Error ? error : new BadAnswerError(String(error)))
        }
      })
    })
    stream.on('close', () => finish(new BadAnswerError(`${from}: the stream closed before a whole reply`)))
    stream.end(method === 'POST' ? body : undefined)
  })
}

function http1(
  target: URL,
  from: string,
  agents: DohAgents,
  question: Question,
  signal: AbortSignal,
  method: DohMethod,
  body: Buffer,
): Promise<Reply> {
  return new Promise<Reply>((resolve, reject) => {
    if (signal.aborted) return reject(aborted(signal))
    const secure = target.protocol === 'https:'
    const req = (secure ? httpsRequest : httpRequest)(target, {
      method,
      agent: secure ? agents.https : agents.http,
      headers: {
        accept: 'application/dns-message',
        ...(method === 'POST' && {
          'content-type': 'application/dns-message',
          'content-length': body.length,
        }),
      },
      signal,
    })
    req.on('error', (error) =>
      reject(
        signal.aborted ? aborted(signal) : new BadAnswerError(`${from}: ${error.message}`, { cause: error }),
      ),
    )
    req.on('response', (res) => {
      const type = String(res.headers['content-type'] ?? '')
      if (res.statusCode !== 200 || !type.startsWith('application/dns-message')) {
        res.resume()
        return reject(
          new BadAnswerError(`${from}: HTTP ${res.statusCode} ${type || 'without a content-type'}`),
        )
      }
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > MAX_BODY) {
          res.destroy()
          return reject(new BadAnswerError(`${from}: the body is over ${MAX_BODY} bytes`))
        }
        chunks.push(chunk)
      })
      res.on('error', (error) => reject(new BadAnswerError(`${from}: ${error.message}`, { cause: error })))
      res.on('end', () => {
        try {
          resolve(toReply(decodeReply(Buffer.concat(chunks), question, undefined, from)))
        } catch (error) {
          reject(error)
        }
      })
    })
    req.end(method === 'POST' ? body : undefined)
  })
}
