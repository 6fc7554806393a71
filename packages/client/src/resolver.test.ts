// The resolver against the real authoritative server (@nines/dns) over real UDP/TCP sockets on loopback,
// and against sockets that misbehave on purpose; every fault heals and the way back is asserted.
import { isNinesError } from '@nines/core'
import { afterEach, describe, expect, it } from 'vitest'
import { createNodeResolver, type NodeResolver } from './node/index.js'
import { APP, APP_V4, APP_V6, BIG, BIG_COUNT, ZONE, fakeUdp, startServer, zoneHandler } from './testing.js'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

function resolverFor(nameservers: string[], options: Partial<Parameters<typeof createNodeResolver>[0]> = {}) {
  const resolver = createNodeResolver({ nameservers, ...options })
  cleanups.push(() => resolver.close())
  return resolver
}

async function server() {
  const started = await startServer()
  cleanups.push(() => started.server.close())
  return started
}

type Mode = 'ok' | 'silent' | 'garbage' | 'wrong-id' | 'truncated' | 'servfail'

/** A UDP nameserver whose behaviour the test switches; `ok` answers with the real handler. */
async function switchable(initial: Mode) {
  const handler = zoneHandler()
  const state = { mode: initial }
  const fake = await fakeUdp((query) => {
    const good = handler(query, { address: '127.0.0.1', family: 4, port: 1 }, 'udp')
    if (good === null) return null
    switch (state.mode) {
      case 'ok':
        return good
      case 'silent':
        return null
      case 'garbage':
        return Buffer.concat([
          query.subarray(0, 2),
          Buffer.from([0x81, 0x80, 0xff, 0xff, 0xff, 0xff, 1, 2, 3]),
        ])
      case 'wrong-id': {
        const copy = Buffer.from(good)
        copy.writeUInt16BE(copy.readUInt16BE(0) ^ 0xffff, 0)
        return copy
      }
      case 'truncated':
        return good.subarray(0, good.length - 3)
      case 'servfail': {
        const copy = Buffer.from(good)
        copy[3] = (copy[3]! & 0xf0) | 2
        return copy
      }
    }
  })
  cleanups.push(() => fake.close())
  return Object.assign(fake, { state })
}

const statsOf = (resolver: NodeResolver, spec: string) => resolver.stats().find((s) => s.nameserver === spec)!

describe('createNodeResolver against nines-dns', () => {
  it('answers A, AAAA and CNAME chains, then from the cache', async () => {
    const ns = await server()
    const resolver = resolverFor([ns.spec])
    const a = await resolver.resolve(APP)
    expect(a).toMatchObject({
      name: APP,
      type: 'A',
      rcode: 0,
      ttl: 30,
      stale: false,
      cached: false,
      nameserver: ns.spec,
    })
    expect(a.records.map((r) => r.data).sort()).toEqual(APP_V4)
    const addresses = await resolver.addresses(APP.toUpperCase() + '.') // A first, then AAAA
    expect([...addresses.slice(0, 2)].sort()).toEqual(APP_V4)
    expect(addresses.slice(2)).toEqual([APP_V6])
    const www = await resolver.resolve(`www.${ZONE}`, 'A')
    expect(www.records.map((r) => r.type)).toContain(5)
    const sent = statsOf(resolver, ns.spec).sent
    const again = await resolver.resolve(APP, 1) // cached: nothing sent
    expect(again.records).toHaveLength(2)
    expect(again.cached).toBe(true)
    expect(statsOf(resolver, ns.spec).sent).toBe(sent)
  })

  it('caches NXDOMAIN and NODATA for the SOA negative TTL', async () => {
    const ns = await server()
    const resolver = resolverFor([ns.spec])
    const missing = await resolver.resolve(`nope.${ZONE}`)
    expect(missing).toMatchObject({ rcode: 3, records: [], ttl: 5 })
    const nodata = await resolver.resolve(APP, 'TXT')
    expect(nodata).toMatchObject({ rcode: 0, records: [] })
    const sent = statsOf(resolver, ns.spec).sent
    await resolver.resolve(`NOPE.${ZONE}`)
    expect(statsOf(resolver, ns.spec).sent).toBe(sent)
    expect(await resolver.addresses(`nope.${ZONE}`)).toEqual([])
  })

  it('asks one question for concurrent resolves of the same name and type', async () => {
    const ns = await server()
    const resolver = resolverFor([ns.spec])
    const all = await Promise.all(Array.from({ length: 10 }, () => resolver.resolve(APP, 'AAAA')))
    expect(all.every((r) => r.records[0]?.data === APP_V6)).toBe(true)
    expect(statsOf(resolver, ns.spec).sent).toBe(1)
  })

  it('falls back to TCP when the UDP answer is truncated, and speaks tcp:// alone', async () => {
    const ns = await server()
    expect((await resolverFor([ns.spec]).resolve(BIG)).records).toHaveLength(BIG_COUNT)
    expect((await resolverFor([`tcp://${ns.spec}`]).resolve(BIG)).records).toHaveLength(BIG_COUNT)
  })

  it('a silent first nameserver costs the stagger once, is skipped, and is asked again when it heals', async () => {
    const ns1 = await switchable('silent')
    const ns2 = await server()
    const resolver = resolverFor([ns1.spec, ns2.spec], { staggerMs: 100, skipForMs: 300 })
    const first = await resolver.resolve(APP)
    expect(first.nameserver).toBe(ns2.spec)
    expect(statsOf(resolver, ns1.spec)).toMatchObject({ sent: 1, failed: 1 })
    expect(statsOf(resolver, ns1.spec).skippedUntil).not.toBeNull()
    // Later questions go straight to ns2: ns1 sees none of them.
    for (const type of ['AAAA', 'MX', 'TXT'])
      expect((await resolver.resolve(APP, type)).nameserver).toBe(ns2.spec)
    expect(ns1.received()).toBe(1)
    expect(statsOf(resolver, ns1.spec).sent).toBe(1)

    ns1.state.mode = 'ok' // heal; after the skip it is asked first again, and answers
    await new Promise((resolve) => setTimeout(resolve, 350))
    expect((await resolver.resolve(`www.${ZONE}`)).nameserver).toBe(ns1.spec)
    expect(statsOf(resolver, ns1.spec)).toMatchObject({ answered: 1, skippedUntil: null })
  })

  it.each(['garbage', 'truncated', 'servfail'] as const)(
    'a %s reply moves on to the next nameserver at once; alone, it is a clear error; healed, it answers',
    async (mode) => {
      const bad = await switchable(mode)
      const good = await server()
      // A stagger longer than the whole budget: only the bad reply itself can move the question on.
      const both = resolverFor([bad.spec, good.spec], { staggerMs: 5000, timeoutMs: 2000 })
      expect((await both.resolve(APP)).nameserver).toBe(good.spec)
      expect(statsOf(both, bad.spec).failed).toBe(1)

      const alone = resolverFor([bad.spec], { timeoutMs: 1000 })
      const error = await alone.resolve(APP).catch((e: unknown) => e)
      expect(isNinesError(error, 'NINES_ERR_NO_NAMESERVER')).toBe(true)
      expect((error as Error).message).toContain(bad.spec)
      expect((error as Error).message).toMatch(mode === 'servfail' ? /SERVFAIL/ : /malformed reply/)

      bad.state.mode = 'ok'
      expect((await resolverFor([bad.spec]).resolve(APP)).nameserver).toBe(bad.spec)
    },
  )

  it('ignores a reply with another ID (late or spoofed) and waits for the next nameserver', async () => {
    const bad = await switchable('wrong-id')
    const good = await server()
    const resolver = resolverFor([bad.spec, good.spec], { staggerMs: 50 })
    expect((await resolver.resolve(APP)).nameserver).toBe(good.spec)
    expect(bad.received()).toBe(1)
    const alone = resolverFor([bad.spec], { timeoutMs: 300 })
    await expect(alone.resolve(APP)).rejects.toThrow(/no answer within 300 ms/)
    bad.state.mode = 'ok'
    expect((await resolverFor([bad.spec]).resolve(APP)).nameserver).toBe(bad.spec)
  })

  it('with every nameserver down serves stale answers up to staleSec, then NINES_ERR_NO_NAMESERVER; back, fresh', async () => {
    let offset = 0
    const ns1 = await server()
    const ns2 = await server()
    const resolver = resolverFor([ns1.spec, ns2.spec], {
      staleSec: 60,
      timeoutMs: 500,
      staggerMs: 50,
      skipForMs: 0,
      now: () => Date.now() + offset,
    })
    expect((await resolver.resolve(APP)).stale).toBe(false)
    await ns1.server.close()
    await ns2.server.close()

    offset = 40_000 // expired (TTL 30) 10 s ago
    const stale = await resolver.resolve(APP)
    expect(stale).toMatchObject({ stale: true, cached: true, ttl: 30, nameserver: ns1.spec })
    expect(stale.records.map((r) => r.data).sort()).toEqual(APP_V4)

    offset = 95_000 // expired 65 s ago: past staleSec
    const error = await resolver.resolve(APP).catch((e: unknown) => e)
    expect(isNinesError(error, 'NINES_ERR_NO_NAMESERVER')).toBe(true)
    expect((error as Error).message).toContain(`${APP} A`)
    expect((error as Error).message).toContain(ns1.spec)
    expect((error as Error).message).toContain(ns2.spec)

    const back = await startServer(zoneHandler(), ns2.port)
    cleanups.push(() => back.server.close())
    expect(await resolver.resolve(APP)).toMatchObject({ stale: false, nameserver: ns2.spec, ttl: 30 })
  })

  it('rejects bad nameserver specs and options naming them', () => {
    expect(() => createNodeResolver({ nameservers: ['127.0.0.1:5300', 'ns1.example:53'] })).toThrow(
      /nameservers\[1\]: the host is not an IP address, got "ns1.example:53"/,
    )
    expect(() => createNodeResolver({ nameservers: [] })).toThrow(/nameservers: expected at least one/)
    expect(() => createNodeResolver({ nameservers: ['127.0.0.1'], staggerMs: -1 })).toThrow(/staggerMs/)
  })
})

describe('createResolver', () => {
  it('a closed resolver refuses new questions and cancels those in flight', async () => {
    const { createResolver } = await import('./index.js')
    const resolver = createResolver({
      nameservers: ['never'],
      transport: (_ns, _q, signal) =>
        new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(new Error('aborted'))),
        ),
    })
    const pending = resolver.resolve(APP).catch((e: unknown) => e)
    resolver.close()
    expect((await pending) as Error).toMatchObject({ code: 'NINES_ERR_NO_NAMESERVER' })
    expect(((await pending) as Error).message).toContain('the resolver was closed')
    await expect(resolver.resolve(APP)).rejects.toMatchObject({ code: 'NINES_ERR_CLOSED' })
  })
})
