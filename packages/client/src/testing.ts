// Test helpers: the real authoritative server (@nines/dns) with a small zone, and misbehaving sockets.
// Not exported from the package.
import { execFileSync } from 'node:child_process'
import { createSocket, type Socket as UdpSocket } from 'node:dgram'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { seededRng } from '@nines/core'
import {
  DnsServer,
  QueryCounters,
  buildAnswers,
  createQueryHandler,
  dnsZonesSchema,
  type QueryHandler,
} from '@nines/dns'

export const ZONE = 'client.test'
export const APP = `app.${ZONE}`
export const APP_V4 = ['127.0.0.1', '127.0.0.2']
export const APP_V6 = '::1'
export const BIG = `big.${ZONE}`
/** Two endpoints for the connection tests (no AAAA). */
export const TWO = `two.${ZONE}`
export const TWO_V4 = ['127.0.7.1', '127.0.7.2']
/** More A records than fit 1232 bytes: TC over UDP, all of them over TCP. */
export const BIG_COUNT = 100

/** A static zone: app (2 A, 1 AAAA, TTL 30), www → app (CNAME), big (100 A), negative TTL 5. */
export function zoneHandler(): QueryHandler {
  const zones = dnsZonesSchema.parse({
    [ZONE]: {
      soa: { minimumSec: 5 },
      ns: [{ name: `ns1.${ZONE}`, addresses: ['127.0.0.1'] }],
      records: [
        ...APP_V4.map((data) => ({ name: 'app', type: 'A', ttlSec: 30, data })),
        { name: 'app', type: 'AAAA', ttlSec: 30, data: APP_V6 },
        { name: 'www', type: 'CNAME', ttlSec: 30, data: APP },
        ...TWO_V4.map((data) => ({ name: 'two', type: 'A', ttlSec: 30, data })),
        ...Array.from({ length: BIG_COUNT }, (_, i) => ({
          name: 'big',
          type: 'A',
          ttlSec: 30,
          data: `10.0.0.${i + 1}`,
        })),
      ],
    },
  })
  const built = buildAnswers({
    zones,
    pools: {},
    localities: [],
    health: () => ({ effective: 'up' }),
    priority: new Map(),
    serial: 1,
    rng: seededRng(1),
    now: Date.now(),
  })
  return createQueryHandler({ resolver: () => built.table, counters: new QueryCounters() })
}

/** A real nines DNS server (UDP + TCP) on 127.0.0.1 and a free port, serving the zone; `spec` is `127.0.0.1:PORT`. */
export async function startServer(
  handler = zoneHandler(),
  port = 0,
): Promise<{ server: DnsServer; port: number; spec: string; handler: QueryHandler }> {
  const server = new DnsServer({ handler })
  const [bound] = await server.listen([`127.0.0.1:${port}`])
  return { server, port: bound!.port, spec: `127.0.0.1:${bound!.port}`, handler }
}

/** A UDP socket that answers every query with `reply(query)` (null: stays silent). */
export async function fakeUdp(reply: (query: Buffer) => Buffer | null): Promise<{
  socket: UdpSocket
  port: number
  spec: string
  received: () => number
  close(): Promise<void>
}> {
  const socket = createSocket('udp4')
  let received = 0
  socket.on('message', (msg, rinfo) => {
    received++
    const out = reply(msg)
    if (out) socket.send(out, rinfo.port, rinfo.address)
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  const port = socket.address().port
  return {
    socket,
    port,
    spec: `127.0.0.1:${port}`,
    received: () => received,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  }
}

/** Resolves when `condition()` holds; rejects after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** A self-signed certificate (its own CA) for 127.0.0.1 and `name`, made by openssl in a temp dir. */
export function selfSigned(name = 'ns.client.test'): { certFile: string; keyFile: string; ca: string } {
  const dir = mkdtempSync(join(tmpdir(), 'nines-client-tls-'))
  const [certFile, keyFile] = [join(dir, 'cert.pem'), join(dir, 'key.pem')]
  execFileSync(
    'openssl',
    [
      ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1'],
      ...['-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name},IP:127.0.0.1`],
      ...['-keyout', keyFile, '-out', certFile],
    ],
    { stdio: 'ignore' },
  )
  return { certFile, keyFile, ca: readFileSync(certFile, 'utf8') }
}

export interface SecureServer {
  server: DnsServer
  /** `127.0.0.1:PORT` (UDP, TCP on truncation). */
  udp: string
  /** `https://127.0.0.1:PORT/dns-query` */
  doh: string
  /** `https://127.0.0.1:PORT/resolve` */
  json: string
  /** `http://127.0.0.1:PORT/dns-query` (plainListen, as behind a proxy) */
  plain: string
  /** `tls://127.0.0.1:PORT` */
  dot: string
  ports: { dns: number; doh: number; plain: number; dot: number }
}

/**
 * The real nines DNS server with UDP/TCP, DoH (TLS and plain HTTP) and DoT on 127.0.0.1, the same ports
 * again when `ports` is given (a restart).
 */
export async function startSecureServer(
  cert: { certFile: string; keyFile: string },
  ports: SecureServer['ports'] = { dns: 0, doh: 0, plain: 0, dot: 0 },
): Promise<SecureServer> {
  const server = new DnsServer({
    handler: zoneHandler(),
    tls: { certificates: [{ certFile: cert.certFile, keyFile: cert.keyFile, serverNames: [] }] },
    watchCertificates: false,
  })
  const at = (port: number) => [`127.0.0.1:${port}`]
  const bound = await server.listenAll({
    listen: at(ports.dns),
    doh: {
      listen: at(ports.doh),
      plainListen: at(ports.plain),
      path: '/dns-query',
      jsonPath: '/resolve',
      cors: { allowOrigins: [] },
      trustedProxies: [],
    },
    dot: { listen: at(ports.dot) },
  })
  const [doh, plain] = [bound.doh![0]!.port, bound.doh![1]!.port]
  const [dns, dot] = [bound.dns[0]!.port, bound.dot![0]!.port]
  return {
    server,
    udp: `127.0.0.1:${dns}`,
    doh: `https://127.0.0.1:${doh}/dns-query`,
    json: `https://127.0.0.1:${doh}/resolve`,
    plain: `http://127.0.0.1:${plain}/dns-query`,
    dot: `tls://127.0.0.1:${dot}`,
    ports: { dns, doh, plain, dot },
  }
}
