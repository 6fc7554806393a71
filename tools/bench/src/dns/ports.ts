// Free loopback ports for the servers under test (never a fixed one: other runs share this machine).
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import { setupError } from './errors.js'

const tcpFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })

const udpPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const socket = createSocket('udp4')
    socket.once('error', reject)
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address()
      socket.close(() => resolve(port))
    })
  })

/** A port free for both UDP and TCP on 127.0.0.1 (a DNS server binds both), avoiding `avoid`. */
export async function freeDnsPort(avoid: ReadonlySet<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await udpPort()
    if (!avoid.has(port) && (await tcpFree(port))) return port
  }
  throw setupError('no free port for both UDP and TCP on 127.0.0.1 after 50 attempts')
}
