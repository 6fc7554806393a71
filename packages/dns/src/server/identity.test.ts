import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { isNinesError } from '@nines/core'
import { Packet } from 'dns2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RRClass, RRType, encodeQuery } from '@nines/wire'
import { QueryCounters } from './counters.js'
import { createQueryHandler, type QueryHandlerOptions } from './handler.js'
import { serverOptionsSchema } from './schema.js'
import { DnsServer } from './server.js'
import { APP, APP_V4, testResolver, udpQuery } from './testing.js'

const run = promisify(execFile)
const HOST = '127.0.0.1'

async function dig(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('dig', [
    `@${HOST}`,
    '-p',
    String(port),
    '+tries=1',
    '+time=3',
    '+norec',
    ...args,
  ])
  return stdout
}

function serve(identity?: QueryHandlerOptions['identity']) {
  const resolver = testResolver()
  const server = new DnsServer({
    handler: createQueryHandler({ resolver: () => resolver, counters: new QueryCounters(), identity }),
  })
  let port = 0
  beforeAll(async () => {
    port = (await server.listen([`${HOST}:0`]))[0]!.port
  })
  afterAll(() => server.close())
  return () => port
}

/** Whether a reply carries our NSID option (code 3, length 7, "ns1.fra"). */
const hasNsid = (reply: Buffer) =>
  reply.includes(Buffer.concat([Buffer.from([0, 3, 0, 7]), Buffer.from('ns1.fra')]))

describe('identity configured: NSID and CHAOS as NSD and Knot answer them', () => {
  const port = serve({ id: 'ns1.fra', nsid: true, chaos: true, version: 'nines 1.0' })

  it('dig +nsid gets the NSID beside the normal answer', async () => {
    const out = await dig(port(), '+nsid', APP, 'A')
    expect(out).toMatch(/; NSID: .* \("ns1\.fra"\)/)
    expect(out).toMatch(new RegExp(`IN\\s+A\\s+${APP_V4.replace(/\./g, '\\.')}`))
  })

  it('NSID only when the query asks for it; with ECS as well', async () => {
    expect(await dig(port(), APP, 'A')).not.toMatch(/NSID/)
    const both = await dig(port(), '+nsid', '+subnet=203.0.113.0/24', APP, 'A')
    expect(both).toMatch(/CLIENT-SUBNET: 203\.0\.113\.0\/24\/0/)
    expect(both).toMatch(/; NSID: .* \("ns1\.fra"\)/)
    const asked = await udpQuery(HOST, port(), encodeQuery({ id: 5, name: APP, edns: { nsid: true } }))
    expect(Packet.parse(asked!).header).toMatchObject({ id: 5, arcount: 1 })
    expect(hasNsid(asked!)).toBe(true)
    const plain = await udpQuery(HOST, port(), encodeQuery({ id: 6, name: APP, edns: {} }))
    expect(hasNsid(plain!)).toBe(false)
  })

  it.each([
    ['id.server', 'ns1.fra'],
    ['hostname.bind', 'ns1.fra'],
    ['version.bind', 'nines 1.0'],
    ['VERSION.server', 'nines 1.0'],
  ])('%s CH TXT: NOERROR, AA clear, TTL 0, class CH', async (name, text) => {
    const out = await dig(port(), name, 'TXT', 'CH')
    expect(out).toMatch(/status: NOERROR/)
    expect(out).toMatch(/flags: qr;/)
    expect(out).toMatch(new RegExp(`^${name}\\.\\s+0\\s+CH\\s+TXT\\s+"${text}"$`, 'm'))
  })

  it('ANY CH at an identity name gets the TXT, as NSD answers it', async () => {
    expect(await dig(port(), 'id.server', 'ANY', 'CH')).toMatch(/^id\.server\.\s+0\s+CH\s+TXT\s+"ns1\.fra"$/m)
  })

  it('other CHAOS names and types are REFUSED, as before', async () => {
    expect(await dig(port(), 'id.server', 'A', 'CH')).toMatch(/status: REFUSED/)
    expect(await dig(port(), 'authors.bind', 'TXT', 'CH')).toMatch(/status: REFUSED/)
    const reply = await udpQuery(
      HOST,
      port(),
      encodeQuery({ name: 'id.server', type: RRType.TXT, qclass: RRClass.HS }),
    )
    expect(Packet.parse(reply!).header.rcode).toBe(5)
  })
})

describe('identity off (the default)', () => {
  const port = serve()

  it('no NSID, and CHAOS is REFUSED', async () => {
    expect(await dig(port(), '+nsid', APP, 'A')).not.toMatch(/NSID/)
    for (const name of ['id.server', 'hostname.bind', 'version.bind']) {
      expect(await dig(port(), name, 'TXT', 'CH')).toMatch(/status: REFUSED/)
    }
  })
})

describe('chaos without version', () => {
  const port = serve({ id: 'ns2', chaos: true })

  it('answers id.server but never version.bind', async () => {
    expect(await dig(port(), 'id.server', 'TXT', 'CH')).toMatch(/"ns2"/)
    expect(await dig(port(), 'version.bind', 'TXT', 'CH')).toMatch(/status: REFUSED/)
    expect(await dig(port(), '+nsid', APP)).not.toMatch(/NSID/)
  })
})

describe('identitySchema in serverOptionsSchema', () => {
  it('is off by default', () => {
    expect(serverOptionsSchema.parse({ listen: ['127.0.0.1:53'] }).identity).toEqual({
      nsid: false,
      chaos: false,
    })
  })

  it('needs an id for nsid or chaos, at the exact path', () => {
    const result = serverOptionsSchema.safeParse({ listen: ['127.0.0.1:53'], identity: { nsid: true } })
    expect(result.error?.issues[0]).toMatchObject({
      path: ['identity', 'id'],
      message: "expected the instance's id (such as ns1): nsid is on",
    })
    expect(
      serverOptionsSchema.safeParse({ listen: ['127.0.0.1:53'], identity: { id: 'x'.repeat(256) } }).success,
    ).toBe(false)
  })

  it('createQueryHandler throws InvalidArgumentError for a bad identity', () => {
    let error: unknown
    try {
      createQueryHandler({ resolver: testResolver, counters: new QueryCounters(), identity: { chaos: true } })
    } catch (caught) {
      error = caught
    }
    expect(isNinesError(error, 'NINES_ERR_INVALID_ARGUMENT')).toBe(true)
  })
})
