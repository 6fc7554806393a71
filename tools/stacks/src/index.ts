import type { Server as HttpServer } from 'node:http'
import type { Server as NetServer, Socket } from 'node:net'
import { honoStack } from './hono.js'
import { Live, type Behaviour } from './mode.js'
import { nodeHttpStack } from './node-http.js'
import { rawStack } from './raw.js'

export type { Behaviour, Live, Mode } from './mode.js'

export const stacks = { 'node-http': nodeHttpStack, hono: honoStack, raw: rawStack } as const
export type StackName = keyof typeof stacks

export interface DemoEndpoint {
  readonly url: string
  readonly behaviour: Behaviour
  /** Open event streams and `/chat` connections right now. */
  readonly live: Live
  close(): Promise<void>
}

/** Starts one demo endpoint. `onCrash` runs when `POST /__nines/crash` arrives (the CLI exits). */
export async function startDemoEndpoint(options: {
  stack: StackName
  name: string
  address: string
  port: number
  onCrash?: () => void
}): Promise<DemoEndpoint> {
  const behaviour: Behaviour = { mode: 'ok', delayMs: 2000 }
  const live = new Live()
  const sockets = new Set<Socket>()
  const server: HttpServer | NetServer = stacks[options.stack](
    options.name,
    behaviour,
    () => (options.onCrash ?? (() => process.exit(1)))(),
    live,
  )
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
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}
