import { createServer, type ServerResponse } from 'node:http'
import { isIPv6 } from 'node:net'
import { InvalidArgumentError, NinesError } from '@nines/core'
import { getRequestListener, type HttpBindings } from '@hono/node-server'
import { adminAppProtected } from './admin.js'
import { isLoopbackAddress } from './loopback.js'

export interface ServeAdminOptions {
  /** Loopback by default; anything else needs a token. */
  address?: string
  /** 0 picks a free port; the real one is in the result. */
  port: number
  /** Declares that the app checks this token; needed to bind a non-loopback address with an app not made by `createAdminApp`. */
  token?: string
}

export interface AdminServer {
  /** e.g. `http://127.0.0.1:9153`, `http://[::1]:9153` */
  readonly url: string
  readonly address: string
  readonly port: number
  /** Stops accepting, closes idle keep-alive connections and resolves once in-flight requests are done. */
  close(): Promise<void>
}

/** Anything with Hono's `fetch`, such as the app from `createAdminApp`. */
export interface FetchApp {
  /** `env` carries Node's request and response, for helpers such as hono/conninfo. */
  fetch(request: Request, env: HttpBindings): Response | Promise<Response>
}

/**
 * Serves an admin app over HTTP/1.1. Refuses to expose an unprotected app beyond this host: a non-loopback
 * address needs an app made by `createAdminApp` with a token, or (for other apps) `token` here.
 */
export async function serveAdmin(app: FetchApp, options: ServeAdminOptions): Promise<AdminServer> {
  const { address = '127.0.0.1', port, token } = options
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`Expected \`port\` to be 0..65535, got ${port}`)
  }
  const hostPort = isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`
  if (!isLoopbackAddress(address)) {
    const appProtected = adminAppProtected(app)
    if (appProtected === false || (appProtected === undefined && token === undefined)) {
      throw new NinesError(
        'NINES_ERR_ADMIN_TOKEN_REQUIRED',
        `refusing to serve the admin API on ${hostPort} without a token: set admin.token or use a loopback address`,
      )
    }
  }

  // overrideGlobalObjects: false keeps a library from replacing the process-wide Request and Response.
  const server = createServer(
    getRequestListener((request, env) => app.fetch(request, env as HttpBindings), {
      overrideGlobalObjects: false,
    }),
  )
  // A response in flight when close() is called would leave its keep-alive connection open until the
  // keep-alive timeout; those responses (and any that arrive meanwhile) end their connection instead.
  const inFlight = new Set<ServerResponse>()
  let closing: Promise<void> | undefined
  function endConnectionAfter(response: ServerResponse): void {
    if (!response.headersSent) response.setHeader('Connection', 'close')
    response.once('finish', () => setImmediate(() => server.closeIdleConnections()))
  }
  server.on('request', (_request, response: ServerResponse) => {
    if (closing !== undefined) return endConnectionAfter(response)
    inFlight.add(response)
    response.once('close', () => inFlight.delete(response))
  })

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening)
      reject(listenError(error, hostPort))
    }
    const onListening = (): void => {
      server.off('error', onError)
      resolve()
    }
    server.once('error', onError)
    server.once('listening', onListening)
    server.listen({ port, host: address })
  })

  const bound = server.address()
  const boundPort = typeof bound === 'object' && bound !== null ? bound.port : port
  return {
    url: `http://${isIPv6(address) ? `[${address}]` : address}:${boundPort}`,
    address,
    port: boundPort,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
        for (const response of inFlight) endConnectionAfter(response)
      })
      return closing
    },
  }
}

function listenError(error: NodeJS.ErrnoException, hostPort: string): NinesError {
  if (error.code === 'EADDRINUSE') {
    return new NinesError('NINES_ERR_ADDRESS_IN_USE', `admin address ${hostPort} is already in use`, {
      cause: error,
    })
  }
  return new NinesError('NINES_ERR_LISTEN_FAILED', `cannot listen on ${hostPort}: ${error.message}`, {
    cause: error,
  })
}
