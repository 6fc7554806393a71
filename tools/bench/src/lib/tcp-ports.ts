// Free loopback TCP ports, chosen at start (never fixed ones: other runs share this machine).
import { createServer } from 'node:net'

const ephemeral = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })

/** `count` distinct ports that were free on 127.0.0.1 a moment ago, none of them in `avoid`. */
export async function freeTcpPorts(count: number, avoid: ReadonlySet<number> = new Set()): Promise<number[]> {
  const ports = new Set<number>()
  for (let attempt = 0; ports.size < count && attempt < count * 20; attempt++) {
    const port = await ephemeral()
    if (port && !avoid.has(port)) ports.add(port)
  }
  if (ports.size < count) throw new Error(`found only ${ports.size} of ${count} free TCP ports`)
  return [...ports]
}
