// The peers end to end, as the bench runs them but briefly: started with a certificate from a local CA,
// checked with kdig over HTTPS, loaded with a short h2load run, stopped. Needs knot-resolver, dnsdist,
// knot-dnsutils and nghttp2-client (skipped where missing); nines' case needs DoH in nines-dns.
import { ensureLocalCertificates, type LocalCertificates } from '@nines/local-stack'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installCleanup } from '../dns/children.js'
import { freeDnsPort } from '../dns/ports.js'
import { missing } from '../dns/server-case.js'
import { dnsdistCase } from './case-dnsdist.js'
import { kresdCase } from './case-kresd.js'
import { dohLines } from './case-nines.js'
import { runH2load } from './h2load.js'
import { dohGetUrl } from './query.js'
import type { DohServerCase } from './server-case.js'
import { kdigDoh, waitForDohAnswer } from './verify.js'

installCleanup()
let dir: string
let certificates: LocalCertificates
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nines-bench-doh-test-'))
  certificates = await ensureLocalCertificates(dir, [
    { name: 'bench', address: '127.0.0.1', host: 'bench.nines.test' },
  ])
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const tools = ['kdig', 'h2load']

describe.each([kresdCase, dnsdistCase])('$name over DoH', (serverCase: DohServerCase) => {
  const absent = missing([...tools, serverCase.name])
  it.skipIf(absent !== undefined)(
    'answers the bench name with the 3 target addresses, takes an h2load run, and is gone once stopped',
    async () => {
      const port = await freeDnsPort()
      const dnsPort = await freeDnsPort(new Set([port]))
      const server = await serverCase.start({
        dir: join(dir, serverCase.name),
        port,
        dnsPort,
        tls: certificates.servers.bench!,
      })
      try {
        expect(await waitForDohAnswer(port, certificates.caFile, 10_000)).toBeUndefined()
        const { report } = await runH2load({
          url: dohGetUrl(port),
          requests: 300,
          maxSeconds: 20,
          clients: 2,
          streams: 4,
        })
        expect(report.status2xx).toBe(300)
        // 3 A records, 82 bytes; dnsdist adds an OPT record (11 bytes) to a query that has none
        expect(report.dataBytes / 300).toBe(serverCase.name === 'dnsdist' ? 93 : 82)
      } finally {
        await server.stop()
      }
      expect(await kdigDoh(port, certificates.caFile)).toEqual([])
    },
    40_000,
  )
})

describe('the nines case config', () => {
  it('gives the instance the DoH keys of issue #11 with the bench certificate', () => {
    expect(dohLines({ port: 4443, tls: { certFile: '/t/bench.pem', keyFile: '/t/bench-key.pem' } })).toEqual([
      'tls: { certificates: [{ certFile: "/t/bench.pem", keyFile: "/t/bench-key.pem" }] }',
      "doh: { listen: ['127.0.0.1:4443'], path: /dns-query, jsonPath: /resolve }",
    ])
  })
})
