import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from 'vitest'
import { checkSchema } from '../check.js'
import { probeFor } from './probe-for.js'
import { runProbe } from './run-probe.js'

describe('probeFor', () => {
  it('picks the probe by kind', async () => {
    const server = createServer((_, response) => response.end('ok'))
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    const target = { address: '127.0.0.1', port: (server.address() as AddressInfo).port }
    try {
      const http = probeFor(checkSchema.parse({ kind: 'http' }))
      const tcp = probeFor(
        checkSchema.parse({ kind: 'tcp', send: 'GET / HTTP/1.0\r\n\r\n', expect: 'HTTP/1.1 200' }),
      )
      // A DNS question to an HTTP server gets no DNS reply.
      const dns = probeFor(checkSchema.parse({ kind: 'dns', name: 'up.nines.test' }))
      expect(await runProbe(http, target, { timeoutMs: 2_000 })).toMatchObject({
        ok: true,
        detail: 'status 200',
      })
      expect(await runProbe(tcp, target, { timeoutMs: 2_000 })).toMatchObject({ ok: true, detail: 'ok' })
      expect(await runProbe(dns, target, { timeoutMs: 200 })).toMatchObject({ ok: false })
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })
})
