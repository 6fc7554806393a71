// For tests beside the proxy stages: real upstream servers on loopback. Not exported by the package.
import { once } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export type Handler = (req: IncomingMessage, res: ServerResponse) => void

/** What a test undoes after each case, last first; register `runCleanups` with `afterEach`. */
export const cleanups: (() => Promise<unknown> | void)[] = []

export async function runCleanups(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
}

/** An HTTP server on 127.0.0.1, port 0, closed (connections too) by `runCleanups`. */
export async function listen(handler: Handler): Promise<{ server: Server; port: number }> {
  const server = createServer(handler)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  cleanups.push(() => {
    server.closeAllConnections()
    return new Promise((resolve) => server.close(resolve))
  })
  return { server, port: (server.address() as AddressInfo).port }
}
