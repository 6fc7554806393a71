import { createSocket, type Socket } from 'node:dgram'
import { createServer, type Server } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { describeTakenPort, findTakenPorts, type PortClaim } from './ports.js'
import { freePort } from './test-helpers.js'

// An odd loopback address, so a running `npm start` (127.0.0.1/2, .11-.13) is never touched.
const address = '127.0.0.77'

const held: (Server | Socket)[] = []
afterEach(async () => {
  await Promise.all(held.splice(0).map((h) => new Promise<void>((resolve) => h.close(() => resolve()))))
})

function holdTcp(): Promise<number> {
  const server = createServer()
  held.push(server)
  return new Promise((resolve) =>
    server.listen(0, address, () => resolve((server.address() as { port: number }).port)),
  )
}

function holdUdp(): Promise<number> {
  const socket = createSocket('udp4')
  held.push(socket)
  return new Promise((resolve) => socket.bind(0, address, () => resolve(socket.address().port)))
}

describe('findTakenPorts', () => {
  it('reports a taken TCP port and a taken UDP port, and nothing for free ones', async () => {
    const tcp = await holdTcp()
    const udp = await holdUdp()
    const free = await freePort(address)
    const claims: PortClaim[] = [
      { protocol: 'tcp', address, port: free, owner: 'free tcp' },
      { protocol: 'tcp', address, port: tcp, owner: 'endpoint b' },
      { protocol: 'udp', address, port: udp, owner: 'ns1 DNS' },
    ]
    const taken = await findTakenPorts(claims)
    expect(taken).toEqual([
      { protocol: 'tcp', address, port: tcp, owner: 'endpoint b', code: 'EADDRINUSE' },
      { protocol: 'udp', address, port: udp, owner: 'ns1 DNS', code: 'EADDRINUSE' },
    ])
    expect(describeTakenPort(taken[0]!)).toBe(
      `${address}:${tcp}/tcp (endpoint b) is already in use: another \`npm start\` or a local service may hold it`,
    )
  })

  it('holds nothing afterwards: the same ports bind again', async () => {
    const tcp = await freePort(address)
    const claims: PortClaim[] = [
      { protocol: 'tcp', address, port: tcp, owner: 'x' },
      { protocol: 'udp', address, port: tcp, owner: 'x' },
    ]
    expect(await findTakenPorts(claims)).toEqual([])
    expect(await findTakenPorts(claims)).toEqual([])
  })

  it('names an address this machine does not have', async () => {
    // 192.0.2.0/24 is TEST-NET-1: never assigned to a local interface.
    const [taken] = await findTakenPorts([
      { protocol: 'tcp', address: '192.0.2.1', port: 5300, owner: 'ns3 DNS' },
    ])
    expect(taken?.code).toBe('EADDRNOTAVAIL')
    expect(describeTakenPort(taken!)).toContain('192.0.2.1 is not a local address')
  })
})
