// @nines/client against two built nines-dns daemons: ns1 silent (SIGSTOP) and stopped (SIGTERM) costs
// one stagger and is then skipped; back, it is asked again after skipForMs; both stopped, stale answers
// are served up to staleSec and then NINES_ERR_NO_NAMESERVER names both; restarted, answers are fresh.
// The same over DoH: both daemons serve RFC 8484 with certificates from a private CA.
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createNodeResolver, type NodeResolver } from '@nines/client/node'
import { afterAll, describe, expect, it } from 'vitest'
import { deployment, type Ports } from './deployment.js'
import { freePort, spawnDns, startDns, waitFor, type RunningDns, type SpawnedDns } from './harness.js'

const zone = { records: [{ name: 'app', type: 'A', ttlSec: 30, data: '192.0.2.10' }] }
const SKIP_MS = 1500
const STALE_SEC = 3

describe('@nines/client with two nameservers', () => {
  const running: (RunningDns | SpawnedDns)[] = []
  let resolver: NodeResolver | undefined
  afterAll(async () => {
    resolver?.close()
    for (const daemon of running) {
      if (daemon.child.exitCode === null && daemon.child.signalCode === null) {
        daemon.child.kill('SIGCONT')
        daemon.child.kill('SIGTERM')
      }
      await daemon.exited
    }
  })

  const restart = async (dns: RunningDns) => {
    const again = spawnDns(dns.configFile)
    running.push(again)
    await waitFor(() => again.logs.some((l) => l.msg === 'nines-dns ready'), 15_000)
    return again
  }

  it('fails over within the stagger, skips the dead one, takes it back, and serves stale when both are down', async () => {
    const ns1 = await startDns((p) => deployment(p, {}, zone))
    running.push(ns1)
    const ns2 = await startDns((p) => deployment(p, {}, zone))
    running.push(ns2)
    const [spec1, spec2] = [`127.0.0.1:${ns1.port}`, `127.0.0.1:${ns2.port}`]
    // maxTtlSec 1: every question after a second goes to the nameservers again, the cache only backs them.
    resolver = createNodeResolver({
      nameservers: [spec1, spec2],
      skipForMs: SKIP_MS,
      maxTtlSec: 1,
      staleSec: STALE_SEC,
      timeoutMs: 1000,
    })
    const stats = (spec: string) => resolver!.stats().find((s) => s.nameserver === spec)!
    const ask = async (type = 'A') => {
      const started = performance.now()
      const answer = await resolver!.resolve('app.e2e.test', type)
      return { ...answer, ms: performance.now() - started }
    }
    expect(await ask()).toMatchObject({ nameserver: spec1, records: [{ data: '192.0.2.10' }] })

    // ns1 silent (the process frozen, its socket still bound): the first question waits one stagger (250 ms).
    ns1.signal('SIGSTOP')
    const first = await ask('AAAA')
    expect(first).toMatchObject({ nameserver: spec2, rcode: 0 })
    expect(first.ms).toBeLessThan(1000)
    process.stdout.write(`ns1 frozen: answered by ns2 in ${first.ms.toFixed(0)} ms\n`)
    const sentToNs1 = stats(spec1).sent
    for (const type of ['MX', 'TXT', 'SRV', 'CAA']) {
      const later = await ask(type)
      expect(later.nameserver).toBe(spec2)
    }
    expect(stats(spec1).sent).toBe(sentToNs1) // not asked, so not waited on
    expect(stats(spec1).skippedUntil).not.toBeNull()

    // ns1 thaws: after the skip it is asked first again, and answers.
    ns1.signal('SIGCONT')
    await waitFor(() => stats(spec1).skippedUntil === null, SKIP_MS + 1000)
    await new Promise((resolve) => setTimeout(resolve, 1100)) // the cached A expires (maxTtlSec 1)
    expect((await ask()).nameserver).toBe(spec1)

    // ns1 stopped (its port closed): refused, so ns2 answers without even the stagger; ns1 skipped.
    expect(await ns1.stop()).toBe(0)
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const stopped = await ask()
    expect(stopped.nameserver).toBe(spec2)
    expect(stopped.ms).toBeLessThan(1000)
    process.stdout.write(`ns1 stopped: answered by ns2 in ${stopped.ms.toFixed(0)} ms\n`)
    const again = await restart(ns1)
    await new Promise((resolve) => setTimeout(resolve, SKIP_MS + 100))
    expect((await ask()).nameserver).toBe(spec1)

    // Both stopped: the expired answer is served stale, TTL 30, while it is younger than staleSec past expiry...
    const storedAt = Date.now()
    again.child.kill('SIGTERM')
    await again.exited
    expect(await ns2.stop()).toBe(0)
    await new Promise((resolve) => setTimeout(resolve, 1100))
    const stale = await ask()
    expect(stale).toMatchObject({ stale: true, ttl: 30, records: [{ data: '192.0.2.10', ttl: 30 }] })
    // ...and past that, a clear error naming the question and both nameservers.
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, storedAt + (1 + STALE_SEC) * 1000 + 200 - Date.now())),
    )
    const error = await ask().catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'NINES_ERR_NO_NAMESERVER' })
    expect((error as Error).message).toContain('app.e2e.test A')
    expect((error as Error).message).toContain(spec1)
    expect((error as Error).message).toContain(spec2)

    // Both back: fresh answers again.
    await restart(ns2)
    await restart(ns1)
    const fresh = await ask()
    expect(fresh).toMatchObject({ stale: false, records: [{ data: '192.0.2.10' }] })
  })
})

/** A private CA (`ca.pem`) in `dir`, and a certificate it signed for 127.0.0.1 and `name`. */
function privateCa(dir: string): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' })
  run([
    'req',
    '-x509',
    ...ec,
    '-days',
    '1',
    '-subj',
    '/CN=nines e2e CA',
    '-keyout',
    'ca-key.pem',
    '-out',
    'ca.pem',
  ])
}
function signedBy(caDir: string, dir: string, name: string): { certFile: string; keyFile: string } {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' })
  const [certFile, keyFile] = [join(dir, 'ns.pem'), join(dir, 'ns-key.pem')]
  writeFileSync(join(dir, 'ext.cnf'), `subjectAltName=DNS:${name},IP:127.0.0.1\n`)
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  run(['req', '-new', ...ec, '-subj', `/CN=${name}`, '-keyout', keyFile, '-out', 'ns.csr'])
  run([
    ...['x509', '-req', '-in', 'ns.csr', '-days', '1', '-CA', join(caDir, 'ca.pem')],
    ...['-CAkey', join(caDir, 'ca-key.pem'), '-set_serial', String(Date.now()), '-extfile', 'ext.cnf'],
    ...['-out', certFile],
  ])
  return { certFile, keyFile }
}

describe('@nines/client with two nameservers over DoH', () => {
  const running: (RunningDns | SpawnedDns)[] = []
  let resolver: NodeResolver | undefined
  afterAll(async () => {
    resolver?.close()
    for (const daemon of running) {
      if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill('SIGTERM')
      await daemon.exited
    }
  })

  it('ns1 stopped: answered by ns2 at once, ns1 skipped; restarted, ns1 answers again', async () => {
    let caDir = ''
    const start = async (name: string) => {
      const doh = await freePort()
      const dns = await startDns((p: Ports) => {
        if (caDir === '') {
          caDir = p.dir
          privateCa(caDir)
        }
        const config = deployment(p, {}, zone) as { instances: { test: { dns: object } } }
        Object.assign(config.instances.test.dns, {
          tls: { certificates: [signedBy(caDir, p.dir, name)] },
          doh: { listen: [`127.0.0.1:${doh}`] },
        })
        return config
      })
      running.push(dns)
      return { dns, url: `https://127.0.0.1:${doh}/dns-query` }
    }
    const ns1 = await start('ns1.e2e.test')
    const ns2 = await start('ns2.e2e.test')
    resolver = createNodeResolver({
      nameservers: [ns1.url, ns2.url],
      ca: readFileSync(join(caDir, 'ca.pem')),
      skipForMs: SKIP_MS,
      maxTtlSec: 1,
      timeoutMs: 1000,
    })
    const stats = (url: string) => resolver!.stats().find((s) => s.nameserver === url)!
    const ask = async (type = 'A') => {
      const started = performance.now()
      const answer = await resolver!.resolve('app.e2e.test', type)
      return { ...answer, ms: performance.now() - started }
    }
    expect(await ask()).toMatchObject({ nameserver: ns1.url, records: [{ data: '192.0.2.10' }] })

    // ns1 stopped: its keep-alive connection closes and its port refuses; ns2 answers within the stagger.
    expect(await ns1.dns.stop()).toBe(0)
    const first = await ask('AAAA')
    expect(first).toMatchObject({ nameserver: ns2.url, rcode: 0 })
    expect(first.ms).toBeLessThan(1000)
    process.stdout.write(`DoH, ns1 stopped: answered by ns2 in ${first.ms.toFixed(0)} ms\n`)
    const sentToNs1 = stats(ns1.url).sent
    for (const type of ['MX', 'TXT', 'SRV', 'CAA']) expect((await ask(type)).nameserver).toBe(ns2.url)
    expect(stats(ns1.url).sent).toBe(sentToNs1) // skipped, not waited on
    expect(stats(ns1.url).skippedUntil).not.toBeNull()

    // Healed: restarted on the same port; after skipForMs ns1 is asked first again and answers.
    const again = spawnDns(ns1.dns.configFile)
    running.push(again)
    await waitFor(() => again.logs.some((l) => l.msg === 'nines-dns ready'), 15_000)
    await new Promise((resolve) => setTimeout(resolve, SKIP_MS + 1100))
    expect(await ask()).toMatchObject({ nameserver: ns1.url, records: [{ data: '192.0.2.10' }] })
    expect(stats(ns1.url).skippedUntil).toBeNull()
  })
})
