import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'

export interface PortClaim {
  protocol: 'tcp' | 'udp'
  address: string
  port: number
  /** Who needs it, for the message: `ns1 DNS`, `endpoint b`. */
  owner: string
}

export interface TakenPort extends PortClaim {
  /** The bind error's code: `EADDRINUSE`, `EACCES`, `EADDRNOTAVAIL`... */
  code: string
}

/**
 * Binds each claimed address and port for a moment, one after the other, and returns those that could not
 * be bound. Nothing is held afterwards.
 */
export async function findTakenPorts(claims: readonly PortClaim[]): Promise<TakenPort[]> {
  const taken: TakenPort[] = []
  for (const claim of claims) {
    const code = await (claim.protocol === 'tcp' ? tryTcp(claim) : tryUdp(claim))
    if (code !== undefined) taken.push({ ...claim, code })
  }
  return taken
}

/** One line per taken port, with the likely cause. */
export function describeTakenPort({ protocol, address, port, owner, code }: TakenPort): string {
  const where = `${address}:${port}/${protocol} (${owner})`
  if (code === 'EADDRINUSE') {
    return `${where} is already in use: another \`npm start\` or a local service may hold it`
  }
  if (code === 'EADDRNOTAVAIL') {
    return `${where}: ${address} is not a local address (on macOS: sudo ifconfig lo0 alias ${address} up)`
  }
  return `${where} cannot be bound (${code})`
}

const errorCode = (error: unknown): string =>
  (error as NodeJS.ErrnoException | undefined)?.code ?? String(error)

function tryTcp({ address, port }: PortClaim): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', (error) => resolve(errorCode(error)))
    server.listen({ host: address, port, exclusive: true }, () => server.close(() => resolve(undefined)))
  })
}

function tryUdp({ address, port }: PortClaim): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4')
    socket.once('error', (error) => {
      socket.close()
      resolve(errorCode(error))
    })
    socket.bind({ address, port, exclusive: true }, () => socket.close(() => resolve(undefined)))
  })
}
