import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect } from 'node:tls'
import { promisify } from 'node:util'
import { selfSigned } from '@nines/tls/testing'
import { decodeMessage, encodeQuery } from '@nines/wire'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deployment, fastTcpCheck } from './deployment.js'
import { dig, freePort, startDns, waitFor, type RunningDns } from './harness.js'

const run = promisify(execFile)

interface Rr {
  name: string
  ttl: number
  type: string
  data: string
}

/** The answer section of kdig's output (`name ttl IN type data`), with its status. */
async function kdig(args: string[]): Promise<{ status: string; answers: Rr[]; raw: string }> {
  const { stdout } = await run('kdig', ['@127.0.0.1', '+retry=0', '+time=5', ...args])
  const status = /status: ([A-Z]+)/.exec(stdout)?.[1] ?? 'NONE'
  // Every ANSWER SECTION: kdig prints one per query when several go on one connection.
  const answers = stdout
    .split(';; ANSWER SECTION:')
    .slice(1)
    .flatMap((block) => {
      const lines = block.split('\n').slice(1)
      const end = lines.findIndex((line) => line.trim() === '')
      return lines.slice(0, end < 0 ? undefined : end).filter((line) => !line.startsWith(';'))
    })
    .map((line) => {
      const [name = '', ttl = '0', , type = '', ...data] = line.split(/\s+/)
      return { name, ttl: Number(ttl), type, data: data.join(' ') }
    })
  return { status, answers, raw: stdout }
}

const sorted = (rrs: Rr[]) => rrs.map((rr) => `${rr.name.toLowerCase()} ${rr.type} ${rr.data}`).sort()

/** The CN of the certificate a new TLS handshake gets. */
async function servedCn(port: number): Promise<string> {
  const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false })
  socket.on('error', () => undefined)
  await once(socket, 'secureConnect')
  const cn = String(socket.getPeerCertificate().subject.CN)
  socket.destroy()
  return cn
}

/** nines-dns with UDP, DoH (TLS and plain) and DoT, and a self-signed certificate made by openssl. */
function startSecure(args: readonly string[] = []) {
  const ports = { doh: 0, plain: 0, dot: 0 }
  let certFile = ''
  const started = (async () => {
    ports.doh = await freePort()
    ports.plain = await freePort()
    ports.dot = await freePort()
    return startDns((p) => {
      ;({ certFile } = selfSigned(p.dir, 'ns1', ['ns1.e2e.test', '127.0.0.1']))
      const config = deployment(
        p,
        { app: { check: fastTcpCheck, endpoints: [{ name: 'a', address: '127.0.0.1', port: 1 }] } },
        {
          names: { app: { pool: 'app' } },
          soa: { minimumSec: 60, ttlSec: 3600 },
          records: [
            { name: 'www', type: 'A', data: '192.0.2.1' },
            { name: 'www', type: 'AAAA', data: '2001:db8::1' },
            { name: 'alias', type: 'CNAME', data: 'www.e2e.test' },
            { name: '@', type: 'MX', data: { preference: 10, exchange: 'mail.e2e.test' } },
            ...Array.from({ length: 40 }, (_, i) => ({ name: 'many', type: 'A', data: `192.0.2.${i + 1}` })),
          ],
        },
      ) as { instances: { test: { dns: Record<string, unknown> } } }
      Object.assign(config.instances.test.dns, {
        tls: { certificates: [{ certFile, keyFile: join(p.dir, 'ns1.key') }] },
        doh: { listen: [`127.0.0.1:${ports.doh}`], plainListen: [`127.0.0.1:${ports.plain}`] },
        dot: { listen: [`127.0.0.1:${ports.dot}`] },
      })
      return config
    }, args)
  })()
  return { started, ports, cert: () => certFile }
}

const questions: [string, string][] = [
  ['www.e2e.test', 'A'],
  ['www.e2e.test', 'AAAA'],
  ['alias.e2e.test', 'A'],
  ['e2e.test', 'MX'],
  ['many.e2e.test', 'A'],
  ['app.e2e.test', 'A'],
]

for (const workers of [1, 2]) {
  describe(`DoH and DoT against the built nines-dns${workers > 1 ? ' --workers 2' : ''}`, () => {
    let dns: RunningDns
    let secure: ReturnType<typeof startSecure>
    beforeAll(async () => {
      secure = startSecure(workers > 1 ? ['--workers', String(workers)] : [])
      dns = await secure.started
    }, 30_000)
    afterAll(async () => {
      await dns?.stop()
    })

    it('kdig +https (POST and GET), kdig +tls and curl JSON give the answer sets dig gets over UDP', async () => {
      const tls = [`+tls-ca=${secure.cert()}`, '+tls-hostname=ns1.e2e.test']
      for (const [name, type] of questions) {
        const udp = await dig(dns.port, name, type)
        expect(udp.status).toBe('NOERROR')
        expect(udp.answers.length).toBeGreaterThan(0)
        const want = sorted(udp.answers)
        const post = await kdig(['-p', String(secure.ports.doh), '+https', ...tls, name, type])
        const get = await kdig(['-p', String(secure.ports.doh), '+https-get', ...tls, name, type])
        const dot = await kdig(['-p', String(secure.ports.dot), '+tls', ...tls, name, type])
        expect(post.raw).toMatch(/HTTP\/2-POST.*status: 200/)
        expect(get.raw).toMatch(/HTTP\/2-GET.*status: 200/)
        for (const [how, result] of [
          ['https POST', post],
          ['https GET', get],
          ['tls', dot],
        ] as const) {
          expect({ how, name, type, status: result.status, answers: sorted(result.answers) }).toEqual({
            how,
            name,
            type,
            status: 'NOERROR',
            answers: want,
          })
        }
        for (const url of [
          `https://127.0.0.1:${secure.ports.doh}/resolve?name=${name}&type=${type}`,
          `http://127.0.0.1:${secure.ports.plain}/resolve?name=${name}&type=${type}`,
        ]) {
          const { stdout } = await run('curl', ['-sS', '--max-time', '5', '--cacert', secure.cert(), url])
          const json = JSON.parse(stdout) as {
            Status: number
            Answer: { name: string; type: number; data: string }[]
          }
          expect(json.Status).toBe(0)
          expect(json.Answer.map((a) => a.data.replace(/\.$/, '')).sort()).toEqual(
            udp.answers.map((a) => a.data.replace(/\.$/, '')).sort(),
          )
        }
      }
    }, 60_000)

    it('answers several queries on one DoT connection (kdig +keepopen) and sets Cache-Control from the TTL', async () => {
      const many = await kdig([
        '-p',
        String(secure.ports.dot),
        '+tls',
        '+keepopen',
        'www.e2e.test',
        'A',
        'www.e2e.test',
        'AAAA',
        'e2e.test',
        'MX',
      ])
      expect(many.answers.map((a) => a.type).sort()).toEqual(['A', 'AAAA', 'MX'])
      // Pipelined for real: three queries in one write, three answers with their IDs.
      const socket = connect({ host: '127.0.0.1', port: secure.ports.dot, ca: readFileSync(secure.cert()) })
      socket.on('error', () => undefined)
      await once(socket, 'secureConnect')
      const ids = [31, 32, 33]
      socket.write(
        Buffer.concat(
          ids.map((id) => {
            const msg = encodeQuery({ id, name: 'www.e2e.test', type: id === 32 ? 28 : 1 })
            return Buffer.concat([Buffer.from([msg.length >> 8, msg.length & 255]), msg])
          }),
        ),
      )
      let data = Buffer.alloc(0)
      const replies: Buffer[] = []
      socket.on('data', (chunk: Buffer) => {
        data = Buffer.concat([data, chunk])
        while (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) {
          replies.push(data.subarray(2, 2 + data.readUInt16BE(0)))
          data = data.subarray(2 + data.readUInt16BE(0))
        }
      })
      await waitFor(() => replies.length === 3, 5000)
      socket.destroy()
      expect(replies.map((r) => r.readUInt16BE(0))).toEqual(ids)
      expect(replies.map((r) => decodeMessage(r).answers[0]!.data)).toEqual([
        '192.0.2.1',
        '2001:db8::1',
        '192.0.2.1',
      ])
      const { stdout } = await run('curl', [
        '-sS',
        '-D',
        '-',
        '-o',
        '/dev/null',
        '--max-time',
        '5',
        '--cacert',
        secure.cert(),
        `https://127.0.0.1:${secure.ports.doh}/resolve?name=www.e2e.test&type=A`,
      ])
      expect(stdout).toMatch(/cache-control: max-age=3600/i)
      expect(stdout).toMatch(/content-type: application\/dns-json/i)
    }, 30_000)

    it.skipIf(workers > 1)(
      'rotates certificates from their files without a restart; a broken pair keeps the old one',
      async () => {
        const dir = dns.dir
        selfSigned(dir, 'next', ['rotated.e2e.test', '127.0.0.1'])
        // Atomic replace, key first, as certificate managers do.
        renameSync(join(dir, 'next.key'), join(dir, 'ns1.key'))
        renameSync(join(dir, 'next.crt'), join(dir, 'ns1.crt'))
        for (const port of [secure.ports.doh, secure.ports.dot]) {
          await waitFor(async () => (await servedCn(port)) === 'rotated.e2e.test', 10_000)
        }
        // A certificate without its key: logged, and the rotated pair goes on serving.
        writeFileSync(join(dir, 'ns1.crt'), 'not a certificate\n')
        await waitFor(
          () => dns.logs.some((l) => l.msg === 'certificate reload failed; keeping the old one'),
          10_000,
        )
        expect(await servedCn(secure.ports.dot)).toBe('rotated.e2e.test')
        // Heal: the first certificate back, served again, and DoH answers with it.
        selfSigned(dir, 'ns1', ['ns1.e2e.test', '127.0.0.1'])
        await waitFor(async () => (await servedCn(secure.ports.doh)) === 'ns1.e2e.test', 10_000)
        const ok = await kdig([
          '-p',
          String(secure.ports.doh),
          '+https',
          `+tls-ca=${secure.cert()}`,
          '+tls-hostname=ns1.e2e.test',
          'www.e2e.test',
          'A',
        ])
        expect(ok.answers.map((a) => a.data)).toEqual(['192.0.2.1'])
      },
      40_000,
    )
  })
}
