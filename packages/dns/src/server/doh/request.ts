import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Http2ServerRequest, Http2ServerResponse, ServerHttp2Stream } from 'node:http2'
import { scanCacheTtl } from '@nines/wire'
import type { ResponseRateLimiter } from '../rrl.js'
import type { SocketCounters } from '../socket-counters.js'
import type { QueryClient, QueryHandler } from '../types.js'
import { clientAddress, type ProxyCheck } from './client-address.js'
import { jsonQuery, renderJson } from './json.js'

export type DohRequest = IncomingMessage | Http2ServerRequest
export type DohResponse = ServerResponse | Http2ServerResponse

export interface DohHandlerOptions {
  handler: QueryHandler
  counters: SocketCounters
  path: string
  jsonPath: string
  allowOrigins: readonly string[]
  trusted: ProxyCheck
  /** The RRL as for UDP, with buckets of its own; a limited query gets 429. */
  rrl?: ResponseRateLimiter
  /** A POST body must arrive within this (the TCP `messageTimeoutMs`). */
  bodyTimeoutMs: number
}

/** RFC 8484 §6: a DNS message over HTTP is at most 65 535 bytes, as over TCP. */
export const MAX_DOH_BODY = 65_535
const DNS_MESSAGE = 'application/dns-message'
const DNS_JSON = 'application/dns-json'
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/
const CORS_MAX_AGE = '86400'

/**
 * One request listener for node:http and node:http2's compatibility API: RFC 8484 GET (`?dns=`,
 * base64url with or without padding) and POST, and the JSON form, each answered by the same
 * QueryHandler as UDP. DNS errors are DNS answers (HTTP 200); HTTP errors are for what is not a DNS
 * query at all. Never throws.
 */
export function createDohRequestListener(
  options: DohHandlerOptions,
): (req: DohRequest, res: DohResponse) => void {
  const { handler, counters, path, jsonPath, allowOrigins, trusted, rrl } = options
  const anyOrigin = allowOrigins.includes('*')
  const origins = new Set(allowOrigins)

  function cors(req: DohRequest, headers: Record<string, string>): boolean {
    const origin = req.headers.origin
    if (typeof origin !== 'string' || allowOrigins.length === 0) return false
    if (anyOrigin) headers['access-control-allow-origin'] = '*'
    else if (origins.has(origin)) {
      headers['access-control-allow-origin'] = origin
      headers.vary = 'origin'
    } else return false
    return true
  }

  function send(
    req: DohRequest,
    res: DohResponse,
    status: number,
    headers: Record<string, string>,
    body?: Buffer | string,
  ): void {
    if (res.headersSent || res.writableEnded) return
    try {
      respond(req, res, status, headers, body)
    } catch {
      // The client went away between the request and the answer (a closed stream throws): nothing to tell.
      res.destroy()
    }
  }

  function respond(
    req: DohRequest,
    res: DohResponse,
    status: number,
    headers: Record<string, string>,
    body?: Buffer | string,
  ): void {
    cors(req, headers)
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body))
    const stream = (res as Http2ServerResponse).stream as ServerHttp2Stream | undefined
    if (stream !== undefined && !stream.destroyed) {
      // The core API: the compatibility layer's end(body) sends the body, then an empty DATA frame with
      // END_STREAM, which dnsperf 2.10 reports as an error; this sends one, as dnsdist does.
      const bodyless = body === undefined || req.method === 'HEAD'
      stream.respond({ ':status': status, ...headers }, { endStream: bodyless })
      if (!bodyless) stream.end(body)
      return
    }
    res.writeHead(status, headers)
    if (body === undefined) res.end()
    else res.end(body)
  }

  function refuse(
    req: DohRequest,
    res: DohResponse,
    status: number,
    message: string,
    extra: Record<string, string> = {},
    json = false,
  ): void {
    counters.dohBadRequests++
    const body = json ? JSON.stringify({ error: message }) : `${message}\n`
    send(
      req,
      res,
      status,
      {
        'content-type': json ? 'application/json' : 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
        ...extra,
      },
      body,
    )
  }

  function client(req: DohRequest): QueryClient {
    const peer = req.socket?.remoteAddress ?? ''
    const { address, family } = clientAddress(peer, req.headers['x-forwarded-for'], trusted)
    return { address, family, port: req.socket?.remotePort ?? 0 }
  }

  /** Runs the message through the handler; undefined when it got no reply (a response or a runt). */
  function answer(req: DohRequest, res: DohResponse, msg: Buffer, json: boolean): Buffer | undefined {
    const from = client(req)
    const reply = handler(msg, from, 'doh')
    if (reply === null) {
      refuse(req, res, 400, 'not a DNS query', {}, json)
      return undefined
    }
    if (rrl !== undefined && rrl.check(from.address, from.family) !== 'send') {
      // No reflection over HTTP (a handshake proves the source), so no TC=1 slip: tell the client.
      counters.dohRateLimited++
      send(
        req,
        res,
        429,
        { 'retry-after': '1', 'cache-control': 'no-store', 'content-type': 'text/plain' },
        'rate limited\n',
      )
      return undefined
    }
    return reply
  }

  function reply(req: DohRequest, res: DohResponse, msg: Buffer): void {
    const out = answer(req, res, msg, false)
    if (out !== undefined) {
      send(req, res, 200, { 'content-type': DNS_MESSAGE, 'cache-control': cacheControl(out) }, out)
    }
  }

  function wireQuery(req: DohRequest, res: DohResponse, query: string): void {
    if (req.method === 'GET' || req.method === 'HEAD') {
      const dns = new URLSearchParams(query).get('dns')
      if (dns === null || dns === '') return refuse(req, res, 400, 'dns: required (base64url DNS message)')
      // 65 535 bytes are 87 380 base64url characters (a few more with padding).
      if (!BASE64URL.test(dns) || dns.length > 87_384) {
        return refuse(req, res, 400, 'dns: expected base64url (RFC 4648 §5)')
      }
      const msg = Buffer.from(dns, 'base64url')
      if (msg.length < 12 || msg.length > MAX_DOH_BODY) return refuse(req, res, 400, 'dns: not a DNS message')
      return reply(req, res, msg)
    }
    if (req.method === 'POST') {
      const type = contentType(req.headers['content-type'])
      if (type !== DNS_MESSAGE) return refuse(req, res, 415, `content-type: expected ${DNS_MESSAGE}`)
      const length = Number(req.headers['content-length'] ?? NaN)
      if (length > MAX_DOH_BODY) return tooLarge(req, res)
      return readBody(req, res, (msg) => {
        if (msg.length < 12) return refuse(req, res, 400, 'body: not a DNS message')
        reply(req, res, msg)
      })
    }
    refuse(req, res, 405, 'method not allowed', { allow: 'GET, POST, OPTIONS' })
  }

  function jsonRequest(req: DohRequest, res: DohResponse, query: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return refuse(req, res, 405, 'method not allowed', { allow: 'GET, OPTIONS' }, true)
    }
    const parsed = jsonQuery(new URLSearchParams(query))
    if (!parsed.ok) return refuse(req, res, 400, parsed.error, {}, true)
    const out = answer(req, res, parsed.message, true)
    if (out === undefined) return
    const control = cacheControl(out)
    if (parsed.wire)
      return send(req, res, 200, { 'content-type': DNS_MESSAGE, 'cache-control': control }, out)
    send(req, res, 200, { 'content-type': DNS_JSON, 'cache-control': control }, renderJson(out))
  }

  function tooLarge(req: DohRequest, res: DohResponse): void {
    // HTTP/1.1: the unread body would be taken for the next request.
    refuse(req, res, 413, `body: more than ${MAX_DOH_BODY} bytes`, closeHeader(req))
    req.resume()
  }

  function readBody(req: DohRequest, res: DohResponse, done: (body: Buffer) => void): void {
    const chunks: Buffer[] = []
    let size = 0
    let over = false
    const timer = setTimeout(() => {
      over = true
      refuse(req, res, 408, 'body: not complete in time', closeHeader(req))
      req.destroy()
    }, options.bodyTimeoutMs)
    req.on('data', (chunk: Buffer) => {
      if (over) return
      size += chunk.length
      if (size > MAX_DOH_BODY) {
        over = true
        clearTimeout(timer)
        return tooLarge(req, res)
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      clearTimeout(timer)
      if (!over) done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))
    })
    req.on('error', () => clearTimeout(timer))
    req.on('close', () => clearTimeout(timer))
  }

  return function onDohRequest(req, res) {
    try {
      const url = req.url ?? '/'
      const mark = url.indexOf('?')
      const target = mark === -1 ? url : url.slice(0, mark)
      const query = mark === -1 ? '' : url.slice(mark + 1)
      if (target !== path && target !== jsonPath) return refuse(req, res, 404, 'not found')
      if (req.method === 'OPTIONS') return preflight(req, res)
      if (target === path) wireQuery(req, res, query)
      else jsonRequest(req, res, query)
    } catch {
      // Nothing above should throw; a bug must cost one request, not the process.
      if (!res.headersSent) refuse(req, res, 500, 'internal error')
      else res.destroy()
    }
  }

  function preflight(req: DohRequest, res: DohResponse): void {
    const headers: Record<string, string> = {
      allow: 'GET, POST, OPTIONS',
      'access-control-allow-methods': 'GET, POST',
      'access-control-allow-headers': 'content-type, accept',
      'access-control-max-age': CORS_MAX_AGE,
    }
    if (!cors(req, headers)) {
      delete headers['access-control-allow-methods']
      delete headers['access-control-allow-headers']
      delete headers['access-control-max-age']
    }
    send(req, res, 204, headers)
  }
}

function contentType(header: string | undefined): string {
  if (header === undefined) return ''
  const semi = header.indexOf(';')
  return (semi === -1 ? header : header.slice(0, semi)).trim().toLowerCase()
}

function closeHeader(req: DohRequest): Record<string, string> {
  return req.httpVersionMajor === 1 ? { connection: 'close' } : {}
}

/**
 * RFC 8484 §5.1: an HTTP cache must not keep a reply past the smallest TTL in it. NOERROR and NXDOMAIN
 * carry a TTL (the answer's, or the SOA's negative TTL); other codes are not to be cached.
 */
export function cacheControl(reply: Buffer): string {
  try {
    const ttl = scanCacheTtl(reply)
    return ttl === undefined ? 'no-store' : `max-age=${ttl}`
  } catch {
    return 'no-store'
  }
}
