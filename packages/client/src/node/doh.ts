import { Agent as HttpAgent, request as httpRequest } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { BadAnswerError } from '../errors.js'
import type { Question, Reply } from '../types.js'
import { aborted, decodeReply, queryBytes, toReply } from './message.js'

// RFC 8484 §4.1: a DoH query should use ID 0, which makes equal questions cacheable by HTTP caches.
const DOH_ID = 0
const MAX_BODY = 65_535

export interface DohAgents {
  readonly http: HttpAgent
  readonly https: HttpsAgent
  destroy(): void
}

/** Keep-alive agents for DoH; `ca` trusts a private CA (PEM) besides nothing else, as `https.request` does. */
export function dohAgents(ca?: string | Buffer | readonly (string | Buffer)[]): DohAgents {
  const http = new HttpAgent({ keepAlive: true, maxSockets: 4 })
  const https = new HttpsAgent({
    keepAlive: true,
    maxSockets: 4,
    ...(ca !== undefined && { ca: ca as string }),
  })
  return {
    http,
    https,
    destroy() {
      http.destroy()
      https.destroy()
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
  return new Promise<Reply>((resolve, reject) => {
    if (signal.aborted) return reject(aborted(signal))
    const secure = url.protocol === 'https:'
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
