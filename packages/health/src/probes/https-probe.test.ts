import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { httpCheckSchema, type HttpCheck } from '../check.js'
import type { ProbeTarget } from '../probe.js'
import { httpProbe, type HttpProbeOptions } from './http-probe.js'
import { runProbe } from './run-probe.js'

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url))
const validCert = fixture('valid.cert.pem')

async function start(name: 'valid' | 'expired', names: (string | false | null)[]): Promise<Server> {
  const server = createServer(
    { key: fixture(`${name}.key.pem`), cert: fixture(`${name}.cert.pem`) },
    (_, response) => response.end('secure hello'),
  )
  server.on('secureConnection', (socket: TLSSocket) => names.push(socket.servername))
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return server
}

async function stop(server: Server): Promise<void> {
  server.closeAllConnections()
  server.close()
  await once(server, 'close')
}

describe('httpProbe over TLS', () => {
  const servernames: (string | false | null)[] = []
  let valid: Server
  let expired: Server
  const at = (server: Server, host?: string): ProbeTarget => ({
    address: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    ...(host === undefined ? {} : { host }),
  })
  const run = (fields: Partial<HttpCheck>, target: ProbeTarget, options?: HttpProbeOptions) =>
    runProbe(httpProbe(httpCheckSchema.parse({ kind: 'http', tls: true, ...fields }), options), target, {
      timeoutMs: 2_000,
    })

  beforeAll(async () => {
    valid = await start('valid', servernames)
    expired = await start('expired', servernames)
  })

  afterAll(async () => {
    await stop(valid)
    await stop(expired)
  })

  it('fails a self-signed certificate when verifying, and passes it when not', async () => {
    expect(await run({}, at(valid))).toMatchObject({ ok: false, detail: 'tls: self-signed certificate' })
    expect(await run({ verifyTls: false, bodyContains: 'secure' }, at(valid))).toMatchObject({
      ok: true,
      detail: 'status 200',
    })
  })

  it('names an expired certificate', async () => {
    expect(await run({}, at(expired))).toMatchObject({ ok: false, detail: 'tls: certificate expired' })
    expect(await run({ verifyTls: false }, at(expired))).toMatchObject({ ok: true })
  })

  it('verifies the host name against a trusted certificate', async () => {
    const ca = { ca: validCert }
    expect(await run({}, at(valid), ca)).toMatchObject({ ok: true, detail: 'status 200' })
    expect(await run({}, at(valid, 'localhost'), ca)).toMatchObject({ ok: true })
    expect(await run({ host: 'wrong.example' }, at(valid), ca)).toMatchObject({
      ok: false,
      detail: 'tls: hostname mismatch',
    })
  })

  it('sends the host name as SNI, and no SNI for an address', async () => {
    servernames.length = 0
    await run({ verifyTls: false }, at(valid, 'localhost'))
    await run({ verifyTls: false, host: 'api.example:8443' }, at(valid))
    await run({ verifyTls: false }, at(valid))
    expect(servernames).toEqual(['localhost', 'api.example', false])
  })
})
