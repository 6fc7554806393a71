import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { request } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PeerCertificate, TLSSocket } from 'node:tls'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { EdgeClient, edgeDeployment, Endpoints, host, threeEndpoints } from './edge.js'
import { edgeMain, freePort, spawnProcess, startEdge, waitFor, type RunningEdge } from './harness.js'

const run = promisify(execFile)

/** A self-signed certificate for `name`, written as `<stem>.crt` and `<stem>.key` in `dir`. */
async function certificate(dir: string, stem: string, name: string) {
  const cert = join(dir, `${stem}.crt`)
  const key = join(dir, `${stem}.key`)
  await run('openssl', [
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1'],
    ...['-keyout', key, '-out', cert, '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`],
  ])
  return { cert, key }
}

interface TlsAnswer {
  status: number
  endpoint: string | undefined
  fingerprint: string
}

/** GET / over TLS with SNI `host`, trusting only `ca`; a new connection each time. */
function httpsGet(port: number, ca: Buffer): Promise<TlsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, servername: host, ca, agent: false, headers: { host }, timeout: 5000 },
      (res) => {
        const peer: PeerCertificate = (res.socket as TLSSocket).getPeerCertificate()
        res.resume()
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            endpoint: res.headers['x-nines-endpoint'] as string | undefined,
            fingerprint: peer.fingerprint256,
          }),
        )
      },
    )
    req.on('error', reject)
    req.end()
  })
}

// The built nines-edge with a TLS listener: SNI and a certificate change taken without a restart; and a
// listen address another process holds, refused with the exact place in the file.
describe('nines-edge with TLS', () => {
  let endpoints: Endpoints | undefined
  let edge: RunningEdge | undefined
  let dir: string | undefined

  afterEach(async () => {
    await edge?.stop()
    await endpoints?.stopAll()
    if (dir) await rm(dir, { recursive: true, force: true })
    edge = endpoints = dir = undefined
  })

  it('serves HTTPS with the certificate for the SNI name, and takes a renewed one without a restart', async () => {
    endpoints = new Endpoints(await threeEndpoints(81))
    await endpoints.startAll()
    dir = await mkdtemp(join(tmpdir(), 'nines-e2e-tls-'))
    const first = await certificate(dir, 'app', host)
    const running = await startEdge(
      (ports) =>
        edgeDeployment(ports, endpoints!.list, {
          edge: {
            tls: {
              listen: [`127.0.0.1:${ports.tls}`],
              certificates: [{ certFile: first.cert, keyFile: first.key, serverNames: [host] }],
            },
          },
        }),
      { extra: ['tls'] },
    )
    edge = running
    const ca1 = await readFile(first.cert)
    await waitFor(async () => (await httpsGet(running.ports.tls, ca1)).status === 200, 15_000, 200)
    // Balanced over TLS as over plain HTTP: every endpoint answers within a few dozen requests (p2c
    // draws at random between idle endpoints, so a fixed handful could miss one).
    const seen = new Set<string>()
    let fingerprint = ''
    for (let i = 0; i < 60 && seen.size < 3; i++) {
      const answer = await httpsGet(running.ports.tls, ca1)
      expect(answer.status).toBe(200)
      seen.add(answer.endpoint ?? '')
      fingerprint = answer.fingerprint
    }
    expect([...seen].sort()).toEqual(['a', 'b', 'c'])

    // Renewal as a deploy tool does it: new files written beside, then renamed over the old ones.
    const renewed = await certificate(dir, 'renewed', host)
    await writeFile(join(dir, 'next.crt'), await readFile(renewed.cert))
    await writeFile(join(dir, 'next.key'), await readFile(renewed.key))
    await rename(join(dir, 'next.key'), first.key)
    await rename(join(dir, 'next.crt'), first.cert)
    const ca2 = await readFile(renewed.cert)
    await waitFor(
      async () => {
        const answer = await httpsGet(running.ports.tls, ca2).catch(() => undefined)
        return answer !== undefined && answer.status === 200 && answer.fingerprint !== fingerprint
      },
      15_000,
      200,
    )
    expect(running.logs.some((l) => l.msg === 'nines-edge stopped')).toBe(false) // no restart
  })

  it('refuses a listen address another process holds, naming its place in the file', async () => {
    endpoints = new Endpoints(await threeEndpoints(82))
    await endpoints.startAll()
    const running = await startEdge((ports) => edgeDeployment(ports, endpoints!.list))
    edge = running
    dir = await mkdtemp(join(tmpdir(), 'nines-e2e-clash-'))
    const configFile = join(dir, 'nines.yaml')
    const ports = { edge: running.port, admin: await freePort(), dir }
    await writeFile(configFile, JSON.stringify(edgeDeployment(ports, endpoints.list)))
    const second = spawnProcess(edgeMain, configFile, 'edge')
    expect(await second.exited).toBe(1)
    expect(second.stderr()).toContain(
      `instances.edge.edge.listen[0]: 127.0.0.1:${running.port} is already in use`,
    )
    // The first one never noticed.
    const client = new EdgeClient(running.url, 1)
    expect((await client.request()).status).toBe(200)
    await client.close()
  })
})
