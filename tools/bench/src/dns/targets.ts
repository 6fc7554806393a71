// The three health-check targets (127.0.0.11-13:8080) every health-aware server probes: tiny TCP
// listeners that accept and close, so every endpoint is up. If one is already served (for example by a
// running `npm start`), that listener is used as is.
import { connect, createServer, type Server } from 'node:net'
import { targetAddresses, targetPort } from './zone.js'
import { setupError } from './errors.js'

const reachable = (address: string): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: address, port: targetPort, timeout: 1000 })
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
    socket.once('timeout', () => {
      socket.destroy()
      resolve(false)
    })
  })

function listen(address: string): Promise<Server | undefined> {
  const server = createServer((socket) => socket.destroy())
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE') return reject(error)
      void reachable(address).then((up) =>
        up ? resolve(undefined) : reject(setupError(`${address}:${targetPort} is taken but does not accept`)),
      )
    })
    server.listen(targetPort, address, () => resolve(server))
  })
}

export interface Targets {
  /** addresses whose listener was already there */
  readonly borrowed: readonly string[]
  close(): Promise<void>
}

export async function startTargets(): Promise<Targets> {
  const servers = await Promise.all(targetAddresses.map(listen))
  return {
    borrowed: targetAddresses.filter((_, i) => servers[i] === undefined),
    close: async () => {
      await Promise.all(
        servers.map(
          (server) => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
        ),
      )
    },
  }
}
