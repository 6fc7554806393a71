// One fresh port per port number of the file, free on every address that uses it: both routers share
// one port (DNS answers addresses, not ports), and so do the nameservers and the demo endpoints.
import { createSocket } from 'node:dgram'
import { createServer, type Server } from 'node:net'

export type Protocol = 'tcp' | 'udp'

/** A port number of the file and where it is bound. */
export interface PortUse {
  readonly port: number
  readonly addresses: ReadonlySet<string>
  readonly protocols: ReadonlySet<Protocol>
}

type Holder = { close(): void }

function holdTcp(address: string, port: number): Promise<Holder & { port: number }> {
  return new Promise((resolve, reject) => {
    const server: Server = createServer()
    server.once('error', reject)
    server.listen({ host: address, port, exclusive: true }, () => {
      const bound = server.address()
      resolve({ port: typeof bound === 'object' && bound ? bound.port : port, close: () => server.close() })
    })
  })
}

function holdUdp(address: string, port: number): Promise<Holder> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4')
    socket.once('error', reject)
    socket.bind({ address, port, exclusive: true }, () => resolve({ close: () => socket.close() }))
  })
}

/** Ports a developer's `npm start` may hold: never handed out. */
const reserved = new Set([5300, 8080, 8443, 8853, 8090, ...Array.from({ length: 12 }, (_, i) => 9301 + i)])

/**
 * A port the OS picks on the first address, then checked free on every other address and protocol;
 * tried again with another port when one is taken. The holds are released before returning, so there
 * is a short window in which another process could take it (the children bind it right after).
 */
export async function sharedFreePort(
  addresses: readonly string[],
  protocols: readonly Protocol[],
  avoid: ReadonlySet<number> = new Set(),
): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const holders: Holder[] = []
    try {
      const first = await holdTcp(addresses[0]!, 0)
      holders.push(first)
      const port = first.port
      if (reserved.has(port) || avoid.has(port)) continue
      for (const address of addresses) {
        for (const protocol of protocols) {
          if (protocol === 'tcp' && address === addresses[0]) continue
          holders.push(await (protocol === 'tcp' ? holdTcp(address, port) : holdUdp(address, port)))
        }
      }
      return port
    } catch {
      // taken on one of the addresses: another round
    } finally {
      for (const holder of holders) holder.close()
    }
  }
  throw new Error(`no port free on all of ${addresses.join(', ')} after 50 attempts`)
}

/** A fresh port for each port number in `uses`, all distinct. */
export async function remapPorts(uses: readonly PortUse[]): Promise<Map<number, number>> {
  const mapping = new Map<number, number>()
  const taken = new Set<number>()
  for (const use of uses) {
    const port = await sharedFreePort([...use.addresses], [...use.protocols], taken)
    mapping.set(use.port, port)
    taken.add(port)
  }
  return mapping
}
