import { execFile } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { Resolver as NodeResolver } from 'node:dns/promises'
import { createServer, type Server } from 'node:net'
import { promisify } from 'node:util'
import { isNinesError } from '@nines/core'
import { Packet } from 'dns2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeQuery } from '@nines/wire'
import { QueryCounters } from './counters.js'
import { createQueryHandler } from './handler.js'
import { DnsServer } from './server.js'
import {
  APP,
  APP_V4,
  APP_V6,
  BIG,
  BIG_COUNT,
  framed,
  tcpExchange,
  testResolver,
  udpQuery,
} from './testing.js'

const run = promisify(execFile)

async function dig(server: string, port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('dig', [`@${server}`, '-p', String(port), '+tries=1', '+time=3', ...args])
  return stdout
}

const answersOf = (out: string, type: string): string[] =>
  out
    .split('\n')
    .filter((line) => !line.startsWith(';') && line.split(/\s+/)[3] === type)
    .map((line) => line.split(/\s+/)[4]!)

function newServer(counters = new QueryCounters()): DnsServer {
  const resolver = testResolver()
  return new DnsServer({ handler: createQueryHandler({ resolver: () => resolver, counters }) })
}

async function canBindIPv6(): Promise<boolean> {
  const socket = createSocket('udp6')
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(0, '::1', resolve)
    })
    return true
  } catch {
    return false
  } finally {
    socket.close()
  }
}

const hasIPv6 = await canBindIPv6()
const families = [
  { name: 'IPv4', host: '127.0.0.1', listen: '127.0.0.1:0', skip: false },
  { name: 'IPv6', host: '::1', listen: '[::1]:0', skip: !hasIPv6 },
]

describe.each(families)('DnsServer over $name', ({ host, listen, skip }) => {
  const counters = new QueryCounters()
  const server = newServer(counters)
  let port = 0

  beforeAll(async () => {
    if (skip) return
    const [bound] = await server.listen([listen])
    expect(bound).toMatchObject({ address: host, udp: true, tcp: true })
    port = bound!.port
    expect(port).toBeGreaterThan(0)
  })
  afterAll(() => server.close())

  it.skipIf(skip)('answers dig over UDP, with AA and the A record', async () => {
    const out = await dig(host, port, APP, 'A')
    expect(out).toMatch(/status: NOERROR/)
    expect(out).toMatch(/flags: qr aa rd;/)
    expect(answersOf(out, 'A')).toEqual([APP_V4])
    expect(out).not.toMatch(/\(TCP\)/)
  })

  it.skipIf(skip)('answers dig +tcp on the same port', async () => {
    const before = counters.tcp
    const out = await dig(host, port, '+tcp', APP, 'AAAA')
    expect(answersOf(out, 'AAAA')).toEqual([APP_V6])
    expect(out).toMatch(/\(TCP\)/)
    expect(counters.tcp).toBe(before + 1)
  })

  it.skipIf(skip)('answers REFUSED for a name it does not serve', async () => {
    expect(await dig(host, port, 'example.com', 'A')).toMatch(/status: REFUSED/)
  })

  it.skipIf(skip)('truncates a large answer over UDP; dig retries over TCP and gets all of it', async () => {
    const out = await dig(host, port, BIG, 'A')
    expect(out).toMatch(/Truncated, retrying in TCP mode/)
    expect(answersOf(out, 'A')).toHaveLength(BIG_COUNT)
  })

  it.skipIf(skip)("answers Node's dns.Resolver, including the TC-then-TCP retry", async () => {
    const resolver = new NodeResolver({ timeout: 3000, tries: 1 })
    resolver.setServers([host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`])
    expect(await resolver.resolve4(APP)).toEqual([APP_V4])
    expect(await resolver.resolve6(APP)).toEqual([APP_V6])
    const before = counters.tcp
    expect(await resolver.resolve4(BIG)).toHaveLength(BIG_COUNT)
    expect(counters.tcp).toBe(before + 1)
    await expect(resolver.resolve4('example.com')).rejects.toMatchObject({ code: 'EREFUSED' })
  })
})

describe('DnsServer.listen', () => {
  it('binds several addresses in one call, each with UDP and TCP on one port', async () => {
    const server = newServer()
    try {
      const listen = hasIPv6 ? ['127.0.0.1:0', '[::1]:0'] : ['127.0.0.1:0']
      const bound = await server.listen(listen)
      expect(bound.map((b) => b.address)).toEqual(hasIPv6 ? ['127.0.0.1', '::1'] : ['127.0.0.1'])
      for (const { address, port } of bound) {
        const reply = await udpQuery(address, port, encodeQuery({ id: 9, name: APP }))
        expect(Packet.parse(reply!).header.id).toBe(9)
        const { frames } = await tcpExchange(address, port, [framed(encodeQuery({ id: 10, name: APP }))], {
          frames: 1,
        })
        expect(frames[0]!.readUInt16BE(0)).toBe(10)
      }
    } finally {
      await server.close()
    }
  })

  it('reports a taken UDP port as NINES_ERR_ADDRESS_IN_USE naming udp and the address', async () => {
    const first = newServer()
    const second = newServer()
    try {
      const port = (await first.listen(['127.0.0.1:0']))[0]!.port
      const error = await second.listen([`127.0.0.1:${port}`]).catch((e: unknown) => e)
      expect(isNinesError(error, 'NINES_ERR_ADDRESS_IN_USE')).toBe(true)
      expect((error as Error).message).toBe(`udp 127.0.0.1:${port}: address already in use`)
    } finally {
      await Promise.all([first.close(), second.close()])
    }
  })

  it('reports a taken TCP port naming tcp, and releases the UDP socket it had bound', async () => {
    const blocker: Server = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const { port } = blocker.address() as { port: number }
    const server = newServer()
    try {
      const error = await server.listen([`127.0.0.1:${port}`]).catch((e: unknown) => e)
      expect(isNinesError(error, 'NINES_ERR_ADDRESS_IN_USE')).toBe(true)
      expect((error as Error).message).toBe(`tcp 127.0.0.1:${port}: address already in use`)
      // The UDP half was closed again, so the port is free for UDP.
      const probe = createSocket('udp4')
      await new Promise<void>((resolve, reject) => {
        probe.once('error', reject)
        probe.bind(port, '127.0.0.1', resolve)
      })
      probe.close()
    } finally {
      blocker.close()
      await server.close()
    }
  })

  it('rolls back every address of a call when a later one fails', async () => {
    const first = newServer()
    const second = newServer()
    try {
      const taken = (await first.listen(['127.0.0.1:0']))[0]!.port
      const error = await second.listen(['127.0.0.1:0', `127.0.0.1:${taken}`]).catch((e: unknown) => e)
      expect(isNinesError(error, 'NINES_ERR_ADDRESS_IN_USE')).toBe(true)
      await second.close()
      // The first address of the failed call was released; the first server still answers.
      const reply = await udpQuery('127.0.0.1', taken, encodeQuery({ id: 3, name: APP }))
      expect(reply?.readUInt16BE(0)).toBe(3)
    } finally {
      await first.close()
    }
  })

  it('rejects a malformed address with the exact message', async () => {
    const server = newServer()
    await expect(server.listen(['127.0.0.1:5300', 'localhost:53'])).rejects.toThrow(
      'addresses[1]: expected ip:port or [ipv6]:port, such as 127.0.0.1:5300 or [::1]:5300, got "localhost:53"',
    )
  })

  it('close() stops answering and closes open TCP connections', async () => {
    const server = newServer()
    const port = (await server.listen(['127.0.0.1:0']))[0]!.port
    const idle = tcpExchange('127.0.0.1', port, [], { timeoutMs: 5000 })
    await new Promise((resolve) => setTimeout(resolve, 50))
    await server.close()
    expect(await idle).toEqual({ frames: [], closed: true })
    expect(await udpQuery('127.0.0.1', port, encodeQuery({ name: APP }), 300)).toBeNull()
    await expect(server.listen(['127.0.0.1:0'])).rejects.toMatchObject({ code: 'NINES_ERR_SERVER_CLOSED' })
  })
})

describe('new DnsServer', () => {
  it.each([
    [{ tcp: { maxConnections: 0 } }, /^tcp\.maxConnections: /],
    [{ rrl: { enabled: true, responsesPerSecond: 0 } }, /^rrl\.responsesPerSecond: /],
  ])('rejects bad options naming the field: %j', (options, message) => {
    const handler = createQueryHandler({ resolver: () => testResolver(), counters: new QueryCounters() })
    expect(() => new DnsServer({ handler, ...options })).toThrow(message)
  })
})

describe('FORMERR and NOTIMP carry an OPT when the query had one (RFC 6891 §7)', () => {
  const server = newServer()
  let port = 0
  beforeAll(async () => {
    port = (await server.listen(['127.0.0.1:0']))[0]!.port
  })
  afterAll(() => server.close())

  const opt = Buffer.from([0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0])
  const header = (qd: number, an: number, ar: number, flags = 0x0100) => {
    const h = Buffer.alloc(12)
    h.writeUInt16BE(0x4242, 0)
    h.writeUInt16BE(flags, 2)
    h.writeUInt16BE(qd, 4)
    h.writeUInt16BE(an, 6)
    h.writeUInt16BE(ar, 10)
    return h
  }
  const question = encodeQuery({ name: APP }).subarray(12)
  // An answer record whose A data is 3 bytes long: dns2 cannot decode it, so slowParse says malformed.
  const badRecord = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 30, 0, 3, 192, 0, 2])

  it('answers dig +header-only (no question, an OPT) with FORMERR and an OPT, as Knot does', async () => {
    const out = await dig('127.0.0.1', port, '+header-only', APP)
    expect(out).toMatch(/status: FORMERR/)
    expect(out).toMatch(/OPT PSEUDOSECTION/)
    expect(out).toMatch(/udp: 1232/)
  })

  it.each([
    ['no question', Buffer.concat([header(0, 0, 1), opt]), 1, 0],
    ['two questions', Buffer.concat([header(2, 0, 1), question, question, opt]), 1, 0],
    ['an undecodable answer record', Buffer.concat([header(1, 1, 1), question, badRecord, opt]), 1, 1],
    ['opcode STATUS', Buffer.concat([header(1, 0, 1, 0x1000), question, opt]), 4, 1],
  ])('%s', async (_, msg, rcode, qdcount) => {
    const reply = await udpQuery('127.0.0.1', port, msg)
    expect(reply).not.toBeNull()
    const packet = Packet.parse(reply!)
    expect(packet.header).toMatchObject({ id: 0x4242, qr: 1, rcode, qdcount, arcount: 1 })
    expect(packet.additionals[0]).toMatchObject({ type: 41, class: 1232 })
    // Without the OPT in the query, none in the answer.
    msg.writeUInt16BE(0, 10)
    const bare = await udpQuery('127.0.0.1', port, msg.subarray(0, msg.length - opt.length))
    expect(Packet.parse(bare!).header).toMatchObject({ rcode, arcount: 0 })
  })
})
