// For tests beside the listeners: real sockets on loopback, self-signed certificates. Not exported.
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { request, type Agent, type IncomingMessage } from 'node:http'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { edgeInstanceSchema, type EdgeInstanceInput } from '../routes/edge-schema.js'
import { openListeners, type Listeners, type ListenersOptions } from './servers.js'

/** What a test undoes after each case, last first; register `runCleanups` with `afterEach`. */
export const cleanups: (() => Promise<unknown> | void)[] = []

export async function runCleanups(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
}

/** Opens listeners for an `edge` entry (validated as the daemon would), closed by runCleanups. */
export async function openForTest(
  edge: EdgeInstanceInput,
  rest: Omit<ListenersOptions, 'edge' | 'onRequest'> & Partial<Pick<ListenersOptions, 'onRequest'>> = {},
): Promise<Listeners> {
  const listeners = await openListeners({
    onRequest: (_req, res) => res.end('ok'),
    ...rest,
    edge: edgeInstanceSchema.parse(edge),
  })
  cleanups.push(() => listeners.close({ deadlineMs: 0 }))
  return listeners
}

export function hostPort(address: string): { host: string; port: number } {
  const url = new URL(address)
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) }
}

export interface RawClient {
  readonly socket: Socket
  /** Everything received so far. */
  received(): string
  /** Resolves with everything received once the connection is closed. */
  readonly closed: Promise<string>
}

/** A raw TCP client, destroyed by runCleanups. */
export async function rawClient(address: string, allowHalfOpen = false): Promise<RawClient> {
  const { host, port } = hostPort(address)
  const socket = connect({ host, port, allowHalfOpen })
  cleanups.push(() => void socket.destroy())
  let received = ''
  socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk))
  socket.on('error', () => {})
  const closed = once(socket, 'close').then(() => received)
  await once(socket, 'connect')
  return { socket, received: () => received, closed }
}

export interface Reply {
  readonly status: number
  readonly headers: IncomingMessage['headers']
  readonly body: string
}

/** A GET through node:http on a fresh connection (Connection: close), or on `agent` to keep it alive. */
export function get(address: string, path = '/', agent: Agent | false = false): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(`${address}${path}`, { agent }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

/** A temporary directory, removed by runCleanups. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nines-listen-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export { selfSigned } from '@nines/tls/testing'
