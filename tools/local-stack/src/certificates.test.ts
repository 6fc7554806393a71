import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer, get, type Server } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { caName, ensureLocalCertificates, localNameservers } from './certificates.js'

const dayMs = 86_400_000
let root: string
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'nines-certificates-'))
})
afterEach(() => rmSync(root, { recursive: true, force: true }))

const certificate = (file: string) => new X509Certificate(readFileSync(file))
const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

describe('ensureLocalCertificates', () => {
  it('makes a CA and a leaf per nameserver that names its IP and host, keys 0600', async () => {
    const made = await ensureLocalCertificates(root)
    expect(made.made).toEqual(['ca', 'ns1', 'ns2'])
    expect(made.caFile).toBe(join(root, 'var/tls/ca.pem'))
    expect(made.servers.ns1).toEqual({
      certFile: join(root, 'var/tls/ns1.pem'),
      keyFile: join(root, 'var/tls/ns1-key.pem'),
    })
    const ca = certificate(made.caFile)
    expect(ca.subject).toBe(`CN=${caName}`)
    expect(ca.ca).toBe(true)
    for (const { name, address, host } of localNameservers) {
      const leaf = certificate(made.servers[name]!.certFile)
      expect(leaf.ca).toBe(false)
      expect(leaf.checkIssued(ca)).toBe(true)
      expect(leaf.verify(ca.publicKey)).toBe(true)
      expect(leaf.checkIP(address)).toBe(address)
      expect(leaf.checkHost(host)).toBe(host)
      expect(statSync(made.servers[name]!.keyFile).mode & 0o777).toBe(0o600)
    }
    expect(statSync(made.caKeyFile).mode & 0o777).toBe(0o600)
    // ns2's certificate does not pass for ns1
    expect(certificate(made.servers.ns2!.certFile).checkIP('127.0.0.1')).toBeUndefined()
  })

  it.skipIf(!hasOpenssl)('passes openssl verify for its IP and host name', async () => {
    const { caFile, servers } = await ensureLocalCertificates(root)
    const verify = (...args: string[]) =>
      execFileSync('openssl', ['verify', '-CAfile', caFile, ...args, servers.ns1!.certFile], {
        encoding: 'utf8',
        stdio: 'pipe',
        timeout: 10_000,
      })
    expect(verify('-verify_ip', '127.0.0.1')).toContain(': OK')
    expect(verify('-verify_hostname', 'ns1.nines.test', '-purpose', 'sslserver')).toContain(': OK')
    expect(() => verify('-verify_ip', '127.0.0.2')).toThrow(/mismatch/)
  })

  describe('a real https server with the leaf', () => {
    let server: Server
    afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())))

    const request = (port: number, ca?: Buffer) =>
      new Promise<number>((resolve, reject) => {
        const req = get({ host: '127.0.0.1', port, path: '/', ca, agent: false, timeout: 5000 }, (res) => {
          res.resume()
          resolve(res.statusCode!)
        })
        req.once('error', reject)
        req.once('timeout', () => req.destroy(new Error('timeout')))
      })

    it('is accepted by a client that trusts ca.pem and refused by one that does not', async () => {
      const { caFile, servers } = await ensureLocalCertificates(root)
      server = createServer(
        { cert: readFileSync(servers.ns1!.certFile), key: readFileSync(servers.ns1!.keyFile) },
        (_req, res) => res.end('ok'),
      )
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const { port } = server.address() as { port: number }
      const ca = readFileSync(caFile)
      expect(await request(port, ca)).toBe(200)
      await expect(request(port)).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' })
      // and trusted again once the client has the CA back
      expect(await request(port, ca)).toBe(200)
    })
  })

  it('reuses every file on a second start', async () => {
    const first = await ensureLocalCertificates(root)
    const before = [first.caFile, first.caKeyFile, first.servers.ns1!.certFile, first.servers.ns2!.keyFile]
    const contents = before.map((file) => readFileSync(file, 'utf8'))
    const second = await ensureLocalCertificates(root)
    expect(second.made).toEqual([])
    expect(before.map((file) => readFileSync(file, 'utf8'))).toEqual(contents)
  })

  it('makes everything again when the CA has expired, and then reuses it', async () => {
    await ensureLocalCertificates(root, localNameservers, { now: new Date(Date.now() - 11 * 365 * dayMs) })
    const old = readFileSync(join(root, 'var/tls/ca.pem'), 'utf8')
    const renewed = await ensureLocalCertificates(root)
    expect(renewed.made).toEqual(['ca', 'ns1', 'ns2'])
    expect(readFileSync(renewed.caFile, 'utf8')).not.toBe(old)
    expect(certificate(renewed.servers.ns1!.certFile).verify(certificate(renewed.caFile).publicKey)).toBe(
      true,
    )
    expect((await ensureLocalCertificates(root)).made).toEqual([])
  })

  it('makes only the leaves again when they expire within a day, keeping the CA clients trust', async () => {
    await ensureLocalCertificates(root, localNameservers, { now: new Date(Date.now() - 364.5 * dayMs) })
    const ca = readFileSync(join(root, 'var/tls/ca.pem'), 'utf8')
    const renewed = await ensureLocalCertificates(root)
    expect(renewed.made).toEqual(['ns1', 'ns2'])
    expect(readFileSync(renewed.caFile, 'utf8')).toBe(ca)
    expect(certificate(renewed.servers.ns2!.certFile).checkIssued(certificate(renewed.caFile))).toBe(true)
  })

  it('makes a leaf again when its key does not match, and the CA when it is not a certificate', async () => {
    const first = await ensureLocalCertificates(root)
    copyFileSync(first.servers.ns2!.keyFile, first.servers.ns1!.keyFile)
    expect((await ensureLocalCertificates(root)).made).toEqual(['ns1'])
    writeFileSync(first.caFile, 'not a certificate\n')
    expect((await ensureLocalCertificates(root)).made).toEqual(['ca', 'ns1', 'ns2'])
    expect((await ensureLocalCertificates(root)).made).toEqual([])
  })

  it('makes a leaf for a name it has not seen, and refuses names that are not file names', async () => {
    await ensureLocalCertificates(root)
    const more = [...localNameservers, { name: 'ns3', address: '127.0.0.3', host: 'ns3.nines.test' }]
    expect((await ensureLocalCertificates(root, more)).made).toEqual(['ns3'])
    await expect(
      ensureLocalCertificates(root, [{ name: '../x', address: '127.0.0.1', host: 'x' }]),
    ).rejects.toThrow('names[0].name: not a file name, got ../x')
    await expect(
      ensureLocalCertificates(root, [{ name: 'x', address: 'localhost', host: 'x' }]),
    ).rejects.toThrow('names[0].address: expected an IP address, got localhost')
  })
})
