// The example page (examples/browser) in a real headless Chromium (Debian's, driven by playwright-core,
// which never downloads a browser) against two built nines-dns daemons over DoH with certificates of a
// local CA (ensureLocalCertificates, as `npm start`): the page resolves through ns1, still resolves with
// ns1 stopped (from ns2), and resolves through ns1 again once it is back. Chromium trusts the test's leaf
// keys with --ignore-certificate-errors-spki-list, so the TLS path is real and nothing else is accepted.
import { createHash, X509Certificate } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureLocalCertificates, startStaticServer, type StaticServer } from '@nines/local-stack'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deployment } from './deployment.js'
import { freePort, spawnDns, startDns, waitFor, type RunningDns, type SpawnedDns } from './harness.js'

const chromiumPath = '/usr/bin/chromium'
const root = fileURLToPath(new URL('../../', import.meta.url))
const haveChromium = existsSync(chromiumPath)
if (!haveChromium) {
  process.stderr.write(`browser.test.ts skipped: ${chromiumPath} is missing (Debian package chromium)\n`)
}

/** base64(sha256(SubjectPublicKeyInfo)): what --ignore-certificate-errors-spki-list takes. */
const spkiHash = (pemFile: string) =>
  createHash('sha256')
    .update(new X509Certificate(readFileSync(pemFile)).publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64')

describe.skipIf(!haveChromium)('the example page in headless Chromium over DoH', () => {
  const tlsRoot = mkdtempSync(join(tmpdir(), 'nines-e2e-browser-'))
  const daemons: (RunningDns | SpawnedDns)[] = []
  let site: StaticServer | undefined
  let browser: Browser | undefined

  afterAll(async () => {
    await browser?.close()
    await site?.close()
    for (const daemon of daemons) {
      if (daemon.child.exitCode === null && daemon.child.signalCode === null) daemon.child.kill('SIGTERM')
      await daemon.exited
    }
    rmSync(tlsRoot, { recursive: true, force: true })
  })

  let page: Page
  let ns1: RunningDns
  let urls: [string, string]

  beforeAll(async () => {
    const tls = await ensureLocalCertificates(tlsRoot, [
      { name: 'ns1', address: '127.0.0.1', host: 'ns1.e2e.test' },
      { name: 'ns2', address: '127.0.0.1', host: 'ns2.e2e.test' },
    ])
    site = await startStaticServer({
      address: '127.0.0.1',
      port: 0,
      mounts: [
        { prefix: '/', dir: join(root, 'examples/browser') },
        { prefix: '/client/', dir: join(root, 'packages/client/dist') },
      ],
    })
    const start = async (name: 'ns1' | 'ns2') => {
      const doh = await freePort()
      const dns = await startDns((p) => {
        const config = deployment(
          p,
          {},
          { records: [{ name: 'app', type: 'A', ttlSec: 30, data: '192.0.2.10' }] },
        )
        const instance = (config as { instances: { test: { dns: Record<string, unknown> } } }).instances.test
        Object.assign(instance.dns, {
          tls: { certificates: [tls.servers[name]] },
          // The page's exact origin: the daemons' CORS matching is part of what is tested.
          doh: { listen: [`127.0.0.1:${doh}`], cors: { allowOrigins: [site!.url] } },
        })
        return config
      })
      daemons.push(dns)
      return { dns, url: `https://127.0.0.1:${doh}/resolve` }
    }
    const first = await start('ns1')
    const second = await start('ns2')
    ns1 = first.dns
    urls = [first.url, second.url]

    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      // playwright-core gives the browser a fresh temporary profile (--user-data-dir) of its own.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--ignore-certificate-errors-spki-list=${[spkiHash(tls.servers.ns1!.certFile), spkiHash(tls.servers.ns2!.certFile)].join(',')}`,
      ],
      timeout: 30_000,
    })
    page = await browser.newPage()
    page.setDefaultTimeout(15_000)
  })

  /** Clicks Resolve (or waits for the resolve on load) and returns what the page shows for that round. */
  const resolveRound = async (round: number) => {
    if (round > 1) await page.click('#resolve')
    await page.waitForSelector(`body[data-round="${round}"]`)
    const text = (id: string) => page.locator(`#${id}`).textContent()
    const stats = await page
      .locator('#stats tbody tr')
      .evaluateAll((rows) =>
        rows.map((row) => [...row.querySelectorAll('td')].map((td) => td.textContent ?? '')),
      )
    return {
      state: await page.locator('body').getAttribute('data-state'),
      addresses: await text('addresses'),
      nameserver: await text('nameserver'),
      source: await text('source'),
      error: await text('error'),
      sent: Object.fromEntries(stats.map(([nameserver = '', sent = '']) => [nameserver, Number(sent)])),
    }
  }

  it('resolves through ns1, through ns2 while ns1 is stopped, and through ns1 again once it is back', async () => {
    const [url1, url2] = urls
    const query = new URLSearchParams([
      ['name', 'app.e2e.test'],
      ['ns', url1],
      ['ns', url2],
      // Every resolve asks a nameserver (no cache hits), and a skipped ns1 is probed again after 3 s.
      ['maxTtlSec', '0'],
      ['skipForMs', '3000'],
    ])
    await page.goto(`${site!.url}/?${query.toString()}`)
    // On load: ns1 answers through DoH JSON over HTTPS, cross-origin, with the test CA's certificate.
    expect(await resolveRound(1)).toMatchObject({
      state: 'answered',
      addresses: '192.0.2.10',
      nameserver: url1,
      source: 'the nameserver',
      error: '',
    })
    expect(await resolveRound(2)).toMatchObject({ state: 'answered', nameserver: url1 })

    // ns1 stopped: its port refuses, so ns2 answers, and ns1 is skipped for the next question.
    expect(await ns1.stop()).toBe(0)
    const failedOver = await resolveRound(3)
    expect(failedOver).toMatchObject({
      state: 'answered',
      addresses: '192.0.2.10',
      nameserver: url2,
      error: '',
    })
    const sentToNs1 = failedOver.sent[url1]
    const skipped = await resolveRound(4)
    expect(skipped).toMatchObject({ state: 'answered', nameserver: url2 })
    expect(skipped.sent[url1]).toBe(sentToNs1)

    // ns1 back on the same port and certificate: once its skip is over, it answers the page again.
    const again = spawnDns(ns1.configFile)
    daemons.push(again)
    await waitFor(() => again.logs.some((l) => l.msg === 'nines-dns ready'), 20_000)
    let round = 4
    await waitFor(async () => (await resolveRound(++round)).nameserver === url1, 20_000, 500)
    const healed = await resolveRound(++round)
    expect(healed).toMatchObject({ state: 'answered', addresses: '192.0.2.10', nameserver: url1 })
  })
})
