// The edge stand-in and client the proxy tests share: readRequestBody + forward on a real front server.
import { request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Pool } from 'undici'
import { readRequestBody, type RequestBody } from './body.js'
import { forward, type ForwardResult } from './forward.js'
import { upstreamRequestHeaders, viaValue } from './headers.js'
import { requestIdOf } from './request-id.js'
import { createUpstreamPool, type UpstreamPoolOptions } from './upstream-pool.js'
import { cleanups, listen } from './testing.js'

/** What the outermost stage answers for a body over the limit: the rest of the body is not read. */
function tooLarge(res: ServerResponse, requestId: string): void {
  res.writeHead(413, { connection: 'close', 'x-request-id': requestId }).end('too large')
}

export function pool(port: number, options: UpstreamPoolOptions = {}): Pool {
  const p = createUpstreamPool(`http://127.0.0.1:${port}`, options)
  cleanups.push(() => p.destroy())
  return p
}

export interface EdgeOptions {
  readonly trusted?: boolean
  readonly perTryTimeoutMs?: number
  readonly holdStatus?: (status: number) => boolean
  /** Attempts in a row on the same pool with the same body (a stand-in for the retry loop). */
  readonly attempts?: number
  /** A header an earlier stage set on the response before the proxy stage. */
  readonly presetHeader?: boolean
  /** `limits.maxBodyBytes`, given to `readRequestBody` and `forward`; over it the edge answers 413. */
  readonly maxBodyBytes?: number
  readonly bodyTimeoutMs?: number
}

/** A minimal edge: headers, body, forward; a failed attempt that sent nothing to the client gets 502 + its outcome. */
export async function edge(upstream: Pool, options: EdgeOptions = {}) {
  const results: ForwardResult[] = []
  const bodies: RequestBody[] = []
  const { port } = await listen((req, res) => {
    void (async () => {
      const requestId = requestIdOf(req.headers['x-request-id'])
      const headers = upstreamRequestHeaders({
        rawHeaders: req.rawHeaders,
        peerAddress: req.socket.remoteAddress,
        trusted: options.trusted ?? false,
        proto: 'http',
        requestId,
        via: viaValue(),
      })
      const body = await readRequestBody(req, undefined, options.maxBodyBytes)
      bodies.push(body)
      if (body.kind === 'too-large') return void tooLarge(res, requestId)
      if (options.presetHeader === true) res.setHeader('x-earlier-stage', 'yes')
      const attempts = options.attempts ?? 1
      let result: ForwardResult | undefined
      for (let attempt = 1; attempt <= attempts; attempt++) {
        result = await forward({
          pool: upstream,
          req,
          res,
          headers,
          body,
          perTryTimeoutMs: options.perTryTimeoutMs ?? 5000,
          holdStatus: attempt < attempts ? options.holdStatus : undefined,
          requestId,
          via: viaValue(),
          debug: { endpoint: 'e1', attempts: attempt },
          maxBodyBytes: options.maxBodyBytes,
          bodyTimeoutMs: options.bodyTimeoutMs,
        })
        results.push(result)
        if (result.responseStarted || result.outcome === 'client-closed') break
      }
      if (result?.outcome === 'too-large') {
        if (!res.headersSent) tooLarge(res, requestId)
      } else if (result !== undefined && !result.responseStarted && result.outcome !== 'client-closed') {
        res.writeHead(502, { 'x-outcome': result.outcome, 'x-request-id': requestId })
        res.end(result.outcome)
      }
    })()
  })
  return { port, results, bodies }
}

export interface Reply {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
}

export function send(
  port: number,
  options: {
    method?: string
    path?: string
    headers?: Record<string, string | string[]>
    body?: Buffer
  } = {},
  onResponse?: (res: IncomingMessage) => void,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: options.headers,
        agent: false,
      },
      (res) => {
        onResponse?.(res)
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        )
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}

/** An upstream that records each request's head and body byte count, then answers with `answer`. */
export async function recordingUpstream(
  answer: (req: IncomingMessage, res: ServerResponse) => void = (_, res) => res.end('ok'),
) {
  const seen: { headers: IncomingHttpHeaders; raw: string[]; bytes: number; body: Buffer }[] = []
  const { port } = await listen((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      seen.push({ headers: req.headers, raw: req.rawHeaders, bytes: body.length, body })
      answer(req, res)
    })
  })
  return { port, seen }
}

/** Waits for a condition that follows an event the test cannot await directly (no deadline: vitest's own applies). */
export async function waitFor(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve))
}
