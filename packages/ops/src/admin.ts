import { InvalidArgumentError, isNinesError } from '@nines/core'
import { Hono } from 'hono'
import { bearerAuth } from 'hono/bearer-auth'
import { HTTPException } from 'hono/http-exception'
import type { Logger } from './logger.js'
import type { Metrics } from './metrics.js'
import { problem, type ProblemBody } from './problem.js'

/** What a daemon's readiness callback returns: a bare flag, or a flag and why it is not ready. */
export type Readiness = boolean | { ready: boolean; reason?: string }

export interface AdminAppOptions {
  metrics: Pick<Metrics, 'text' | 'contentType'>
  /** Asked on every GET /readyz; ready means "send me traffic" (configuration loaded, first health round done). */
  ready: () => Readiness | Promise<Readiness>
  /** When set, every route but /healthz needs `Authorization: Bearer <token>`. */
  token?: string
  /** Gets one line per request that fails with 500; nothing is logged otherwise. */
  logger?: Logger
  /** Request bodies above this many bytes get 413 before they are read whole. Default 64 KiB. */
  maxBodyBytes?: number
}

/** Admin bodies are a few hundred bytes (an override, a failback); this leaves room and bounds memory. */
export const defaultMaxAdminBodyBytes = 64 * 1024

const token68 = /^[A-Za-z0-9._~+/-]+=*$/

// Whether each app made here is protected, so serveAdmin can refuse to expose an unprotected one.
const protectedApps = new WeakMap<object, boolean>()

/** True or false for apps made by `createAdminApp`, undefined for any other app. */
export function adminAppProtected(app: object): boolean | undefined {
  return protectedApps.get(app)
}

const httpCodes: Record<number, string> = {
  400: 'NINES_ERR_BAD_REQUEST',
  401: 'NINES_ERR_UNAUTHORIZED',
  403: 'NINES_ERR_FORBIDDEN',
  404: 'NINES_ERR_NOT_FOUND',
  413: 'NINES_ERR_PAYLOAD_TOO_LARGE',
}

/**
 * Reads a body of at most `max` bytes, chunked ones too, and stops reading at once past it. (hono's
 * bodyLimit rebuilds the Request to count, which fails with @hono/node-server's lightweight Request when
 * it does not replace the global one, as serveAdmin asks.)
 */
async function readAtMost(
  stream: ReadableStream<Uint8Array> | null,
  max: number,
): Promise<ArrayBuffer | 'too large' | undefined> {
  if (stream === null) return undefined
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      await reader.cancel().catch(() => undefined)
      return 'too large'
    }
    chunks.push(value)
  }
  const body = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    body.set(chunk, offset)
    offset += chunk.byteLength
  }
  return body.buffer
}

function authFailure(code: string, message: string): ProblemBody {
  return { error: { code, message } }
}

/**
 * The admin HTTP API both daemons share: GET /healthz, /readyz and /metrics, JSON errors, and bearer-token
 * auth on every route but /healthz (process supervisors probe it without credentials, and it reveals
 * nothing). Daemons add their own routes to the returned app; the auth and error handling cover them too.
 */
export function createAdminApp({
  metrics,
  ready,
  token,
  logger,
  maxBodyBytes = defaultMaxAdminBodyBytes,
}: AdminAppOptions): Hono {
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1) {
    throw new InvalidArgumentError(`Expected \`maxBodyBytes\` to be a positive integer, got ${maxBodyBytes}`)
  }
  const app = new Hono()
  // Before auth, so an unauthenticated client cannot make the process buffer a large body either.
  app.use('*', async function limitBody(c, next) {
    const tooLarge = () =>
      problem(c, 413, 'NINES_ERR_PAYLOAD_TOO_LARGE', `request body over ${maxBodyBytes} bytes`)
    if (Number(c.req.header('content-length') ?? 0) > maxBodyBytes) return tooLarge()
    const body = await readAtMost(c.req.raw.body, maxBodyBytes)
    if (body === 'too large') return tooLarge()
    // Routes read the body through c.req (json, text), which serves it from this cache.
    // (hono keeps promises there, though its type says otherwise.)
    if (body !== undefined) (c.req.bodyCache as Record<string, unknown>).arrayBuffer = Promise.resolve(body)
    return next()
  })

  if (token !== undefined) {
    if (token.length < 16 || !token68.test(token)) {
      throw new InvalidArgumentError(
        'Expected `token` to be at least 16 token68 characters (A-Z a-z 0-9 . _ ~ + / - =)',
      )
    }
    const auth = bearerAuth({
      token,
      noAuthenticationHeader: { message: authFailure('NINES_ERR_UNAUTHORIZED', 'missing bearer token') },
      invalidAuthenticationHeader: {
        message: authFailure('NINES_ERR_BAD_REQUEST', 'malformed Authorization header'),
      },
      invalidToken: { message: authFailure('NINES_ERR_UNAUTHORIZED', 'invalid bearer token') },
    })
    app.use('*', async function adminAuth(c, next) {
      if (c.req.path === '/healthz') return next()
      return auth(c, next)
    })
  }
  protectedApps.set(app, token !== undefined)

  app.get('/healthz', (c) => c.json({ status: 'ok' }))

  app.get('/readyz', async (c) => {
    let readiness: Readiness
    try {
      readiness = await ready()
    } catch (error) {
      logger?.error({ err: error }, 'readiness check failed')
      return c.json({ status: 'not_ready', reason: 'readiness check failed' }, 503)
    }
    const { ready: isReady, reason } = typeof readiness === 'boolean' ? { ready: readiness } : readiness
    if (isReady) return c.json({ status: 'ready' })
    return c.json({ status: 'not_ready', reason: reason ?? 'not ready' }, 503)
  })

  app.get('/metrics', async (c) => c.body(await metrics.text(), 200, { 'Content-Type': metrics.contentType }))

  app.notFound((c) => problem(c, 404, 'NINES_ERR_NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`))

  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      if (error.res !== undefined) return error.getResponse()
      return problem(
        c,
        error.status,
        httpCodes[error.status] ?? 'NINES_ERR_HTTP',
        error.message || 'request failed',
      )
    }
    logger?.error({ err: error, method: c.req.method, path: c.req.path }, 'admin request failed')
    // The client gets the stable code and, for our own errors, the message; never a stack trace.
    if (isNinesError(error)) return problem(c, 500, error.code, error.message)
    return problem(c, 500, 'NINES_ERR_INTERNAL', 'internal error')
  })

  return app
}
