// The same DNS zone served by nines-dns and by NSD, compared question by question: rcode, AA, and
// every section as a set of records; and nines' DoH answers byte for byte what its UDP does. Skipped
// where NSD is not installed (Debian package `nsd`).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RRType, encodeQuery } from '@nines/wire'
import { deployment } from './deployment.js'
import { dig, freePort, startDns, waitFor, type DigResult, type RunningDns } from './harness.js'

const hasNsd = spawnSync('nsd', ['-v'], { stdio: 'ignore' }).error === undefined

type Rec = { name: string; type: string; data: unknown }
const records: Rec[] = [
  { name: 'www', type: 'A', data: '192.0.2.1' },
  { name: 'www', type: 'AAAA', data: '2001:db8::1' },
  { name: 'alias', type: 'CNAME', data: 'www.e2e.test' },
  { name: 'chain', type: 'CNAME', data: 'alias.e2e.test' },
  { name: 'dangling', type: 'CNAME', data: 'nowhere.e2e.test' },
  { name: 'outside', type: 'CNAME', data: 'www.example.org' },
  { name: '@', type: 'MX', data: { preference: 10, exchange: 'mail.e2e.test' } },
  { name: '@', type: 'TXT', data: 'v=spf1 -all' },
  { name: 'mail', type: 'A', data: '192.0.2.25' },
  { name: '_sip._tcp', type: 'SRV', data: { priority: 1, weight: 5, port: 5060, target: 'mail.e2e.test' } },
  { name: 'deep.ent', type: 'TXT', data: 'below an empty non-terminal' },
  { name: '*.apps', type: 'A', data: '192.0.2.90' },
  { name: '*.apps', type: 'TXT', data: 'wild' },
  { name: 'real.apps', type: 'A', data: '192.0.2.91' },
  { name: 'child', type: 'NS', data: 'ns.child.e2e.test' },
  { name: 'child', type: 'NS', data: 'ns.elsewhere.example' },
  { name: 'ns.child', type: 'A', data: '192.0.2.53' },
  { name: 'into-child', type: 'CNAME', data: 'host.child.e2e.test' },
  { name: 'to-glue', type: 'CNAME', data: 'ns.child.e2e.test' },
  { name: 'to-cut', type: 'CNAME', data: 'child.e2e.test' },
  { name: 'via', type: 'CNAME', data: 'into-child.e2e.test' },
]

const questions: [string, string][] = [
  ['www.e2e.test', 'A'],
  ['www.e2e.test', 'AAAA'],
  ['www.e2e.test', 'MX'],
  ['nope.e2e.test', 'A'],
  ['e2e.test', 'SOA'],
  ['e2e.test', 'NS'],
  ['e2e.test', 'MX'],
  ['e2e.test', 'TXT'],
  ['e2e.test', 'AAAA'],
  ['ns1.e2e.test', 'A'],
  ['alias.e2e.test', 'A'],
  ['alias.e2e.test', 'AAAA'],
  ['alias.e2e.test', 'CNAME'],
  ['alias.e2e.test', 'TXT'],
  ['chain.e2e.test', 'A'],
  ['dangling.e2e.test', 'A'],
  ['outside.e2e.test', 'A'],
  ['_sip._tcp.e2e.test', 'SRV'],
  ['_tcp.e2e.test', 'A'],
  ['ent.e2e.test', 'TXT'],
  ['deep.ent.e2e.test', 'TXT'],
  ['x.deep.ent.e2e.test', 'TXT'],
  ['tenant.apps.e2e.test', 'A'],
  ['tenant.apps.e2e.test', 'TXT'],
  ['tenant.apps.e2e.test', 'AAAA'],
  ['a.b.apps.e2e.test', 'A'],
  ['real.apps.e2e.test', 'A'],
  ['real.apps.e2e.test', 'TXT'],
  ['apps.e2e.test', 'A'],
  ['child.e2e.test', 'A'],
  ['child.e2e.test', 'NS'],
  ['child.e2e.test', 'DS'],
  ['host.child.e2e.test', 'A'],
  ['ns.child.e2e.test', 'A'],
  ['into-child.e2e.test', 'A'],
  ['into-child.e2e.test', 'TXT'],
  ['to-glue.e2e.test', 'A'],
  ['to-cut.e2e.test', 'A'],
  ['to-cut.e2e.test', 'NS'],
  ['via.e2e.test', 'A'],
  ['example.com', 'A'],
]

function zoneFile(): string {
  const data = (r: Rec): string => {
    const d = r.data as Record<string, unknown> & string
    switch (r.type) {
      case 'MX':
        return `${d.preference} ${d.exchange}.`
      case 'SRV':
        return `${d.priority} ${d.weight} ${d.port} ${d.target}.`
      case 'TXT':
        return JSON.stringify(d)
      case 'CNAME':
      case 'NS':
        return `${d}.`
      default:
        return d
    }
  }
  return [
    '$ORIGIN e2e.test.',
    '$TTL 3600',
    '@ IN SOA ns1.e2e.test. hostmaster.e2e.test. 1 3600 600 604800 60',
    '@ IN NS ns1.e2e.test.',
    'ns1 IN A 127.0.0.1',
    ...records.map((r) => `${r.name} IN ${r.type} ${data(r)}`),
    '',
  ].join('\n')
}

async function startNsd(): Promise<{ port: number; stop: () => void }> {
  const dir = await mkdtemp(join(tmpdir(), 'nines-nsd-'))
  const port = await freePort()
  await writeFile(join(dir, 'e2e.test.zone'), zoneFile())
  const config = [
    'server:',
    '  ip-address: 127.0.0.1',
    `  port: ${port}`,
    '  server-count: 1',
    '  username: ""',
    '  chroot: ""',
    '  database: ""',
    `  zonesdir: "${dir}"`,
    `  pidfile: "${join(dir, 'nsd.pid')}"`,
    `  xfrdfile: "${join(dir, 'xfrd.state')}"`,
    `  zonelistfile: "${join(dir, 'zone.list')}"`,
    `  xfrdir: "${dir}"`,
    '  minimal-responses: yes',
    '  refuse-any: yes',
    '  rrl-ratelimit: 0',
    'remote-control:',
    '  control-enable: no',
    'zone:',
    '  name: e2e.test',
    `  zonefile: "${join(dir, 'e2e.test.zone')}"`,
    '',
  ].join('\n')
  await writeFile(join(dir, 'nsd.conf'), config)
  const child: ChildProcess = spawn('nsd', ['-d', '-c', join(dir, 'nsd.conf')], { stdio: 'ignore' })
  await waitFor(
    async () => (await dig(port, 'e2e.test', 'SOA').catch(() => undefined))?.status === 'NOERROR',
    15_000,
  )
  return { port, stop: () => child.kill('SIGTERM') }
}

/** What is compared: rcode, AA, and each section as a sorted set of lowercase records. */
function shape(result: DigResult) {
  const set = (records: DigResult['answers']) =>
    records.map((r) => `${r.name} ${r.ttl} ${r.type} ${r.data}`.toLowerCase()).sort()
  return {
    status: result.status,
    aa: result.flags.includes('aa'),
    answer: set(result.answers),
    authority: set(result.authority),
    additional: set(result.additional),
  }
}

describe.skipIf(!hasNsd)('the same answers as NSD on the same DNS zone', () => {
  let nines: RunningDns
  let nsd: { port: number; stop: () => void }
  let dohPort: number
  beforeAll(async () => {
    nsd = await startNsd()
    dohPort = await freePort()
    nines = await startDns((ports) => {
      const config = deployment(ports, {}, { soa: { serial: 1, minimumSec: 60, ttlSec: 3600 }, records }) as {
        instances: { test: { dns: Record<string, unknown> } }
      }
      config.instances.test.dns.doh = { plainListen: [`127.0.0.1:${dohPort}`] }
      return config
    })
  }, 60_000)
  afterAll(async () => {
    nsd?.stop()
    await nines?.stop()
  })

  it.each(questions)('%s %s', async (name, type) => {
    const [ours, theirs] = await Promise.all([
      dig(nines.port, name, type, '+norec'),
      dig(nsd.port, name, type, '+norec'),
    ])
    const expected = shape(theirs)
    // NSD's minimal-responses leaves out the target addresses of MX and SRV answers, which RFC 1035
    // §3.3.9 and RFC 2782 ask for as additional data; nines adds them, as Knot does.
    if ((type === 'MX' || type === 'SRV') && expected.answer.length > 0)
      expected.additional = ['mail.e2e.test. 3600 a 192.0.2.25']
    expect(shape(ours)).toEqual(expected)
    // And DoH answers the very bytes UDP does (so, by the comparison above, what NSD answers).
    const query = encodeQuery({ id: 0, name, type: RRType[type as keyof typeof RRType], rd: false })
    const [overUdp, overDoh] = await Promise.all([
      udpExchange(nines.port, query),
      fetch(`http://127.0.0.1:${dohPort}/dns-query`, {
        method: 'POST',
        headers: { 'content-type': 'application/dns-message' },
        body: query,
        signal: AbortSignal.timeout(5000),
      }).then(async (res) => Buffer.from(await res.arrayBuffer())),
    ])
    expect(overDoh.toString('hex')).toBe(overUdp.toString('hex'))
  })
})

/** One query over UDP from Node: the raw reply bytes. */
async function udpExchange(port: number, query: Buffer): Promise<Buffer> {
  const socket = createSocket('udp4')
  try {
    const reply = new Promise<Buffer>((resolve, reject) => {
      socket.once('message', resolve)
      setTimeout(() => reject(new Error('no UDP reply within 3 s')), 3000).unref()
    })
    socket.send(query, port, '127.0.0.1')
    return await reply
  } finally {
    socket.close()
  }
}
