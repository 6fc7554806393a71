import type { Server as HttpServer } from 'node:http'
import type { Server as NetServer, Socket } from 'node:net'
import { Books } from './api.js'
import { cmsStack } from './cms.js'
import { honoStack } from './hono.js'
import { Live, type Behaviour } from './mode.js'
import { nodeHttpStack } from './node-http.js'
import { rawStack } from './raw.js'

export type { Behaviour, Live, Mode } from './mode.js'

export { Books } from './api.js'

/** The three API stacks; `cms` (the single CMS) is a fourth kind of endpoint, not a stack of the API. */
export const stacks = { 'node-http': nodeHttpStack, hono: honoStack, raw: rawStack } as const
export type StackName = keyof typeof stacks
export type EndpointKind = StackName | 'cms'
export const kinds: readonly EndpointKind[] = [...(Object.keys(stacks) as StackName[]), 'cms']

export interface DemoEndpoint {
  readonly url: string
  readonly behaviour: Behaviour
  /** Open event streams and `/chat` connections right now. */
  readonly live: Live
  /** This endpoint's own books (top-ups); state is per process. */
  readonly books: Books
  close(): Promise<void>
}

/** Starts one demo endpoint. `onCrash` runs when `POST /__nines/crash` arrives (the CLI exits). */
export async function startDemoEndpoint(options: {
  stack: EndpointKind
  name: string
  address: string
  port: number
  onCrash?: () => void
}): Promise<DemoEndpoint> {
  const behaviour: Behaviour = { mode: 'ok', delayMs: 2000 }
  const live = new Live()
  const sockets = new Set<Socket>()
  const books = new Books()
  const onCrash = (): void => (options.onCrash ?? (() => process.exit(1)))()
  const server: HttpServer | NetServer =
    options.stack === 'cms'
      ? cmsStack(options.name, behaviour, onCrash)
      : stacks[options.stack](options.name, behaviour, onCrash, live, books)
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.address, () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : options.port
  const host = options.address.includes(':') ? `[${options.address}]` : options.address
  return {
    url: `http://${host}:${port}`,
    behaviour,
    live,
    books,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
