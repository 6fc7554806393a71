// DoT (RFC 7858) against the real nines-dns DoT listener: TCP's framing in TLS, a private CA, a
// stopped listener fails over, restarted it answers again.
import { isNinesError } from '@nines/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APP, APP_V4, BIG, BIG_COUNT, selfSigned, startSecureServer, type SecureServer } from '../testing.js'
import { createNodeResolver, parseNameserver } from './index.js'

let cert: ReturnType<typeof selfSigned>
let ns: [SecureServer, SecureServer]

beforeAll(async () => {
  cert = selfSigned()
  ns = [await startSecureServer(cert), await startSecureServer(cert)]
})
afterAll(async () => {
  for (const { server } of ns) await server.close()
})

describe('DoT (RFC 7858)', () => {
  it('parses tls:// specs, port 853 by default', () => {
    expect(parseNameserver('tls://127.0.0.1')).toEqual({ kind: 'tls', host: '127.0.0.1', port: 853 })
    expect(parseNameserver('TLS://[::1]:8853')).toEqual({ kind: 'tls', host: '::1', port: 8853 })
    expect(() => parseNameserver('tls://dns.example:853', 'nameservers[1]')).toThrow(
      /nameservers\[1\]: the host is not an IP address, got "tls:\/\/dns.example:853"/,
    )
  })

  it('answers with a private CA, whole answers that UDP would truncate; a stopped listener fails over; restarted, it answers', async () => {
    const resolver = createNodeResolver({ nameservers: [ns[0].dot, ns[1].dot], ca: cert.ca, staggerMs: 5000 })
    const a = await resolver.resolve(APP)
    expect(a.nameserver).toBe(ns[0].dot)
    expect(a.records.map((r) => r.data).sort()).toEqual(APP_V4)
    expect((await resolver.resolve(BIG)).records).toHaveLength(BIG_COUNT)

    await ns[0].server.close()
    expect(await resolver.resolve(APP, 'AAAA')).toMatchObject({ nameserver: ns[1].dot, rcode: 0 })
    ns[0] = await startSecureServer(cert, ns[0].ports)
    const alone = createNodeResolver({ nameservers: [ns[0].dot], ca: cert.ca })
    expect((await alone.resolve(APP)).nameserver).toBe(ns[0].dot)
    resolver.close()
    alone.close()
  })

  it('refuses a server whose certificate it does not trust', async () => {
    const resolver = createNodeResolver({ nameservers: [ns[1].dot], timeoutMs: 1000 })
    const error = await resolver.resolve(APP).catch((e: unknown) => e)
    expect(isNinesError(error, 'NINES_ERR_NO_NAMESERVER')).toBe(true)
    expect((error as Error).message).toMatch(/tls:\/\/127\.0\.0\.1:\d+: .*(self.signed|certificate)/)
    resolver.close()
  })
})
