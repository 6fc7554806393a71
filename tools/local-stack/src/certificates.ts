// The local certificate authority behind `npm start`'s DoH and DoT: a CA named "nines local CA" and one
// leaf certificate per nameserver (SAN: its IP and its host name), made under `<root>/var/tls/` at the
// first start and reused until something is missing, expires within a day or no longer matches.
// Made with @peculiar/x509 over Node's webcrypto (ECDSA P-256): no openssl CLI, no native binary.
// tsyringe, which @peculiar/x509 2.x uses, needs a Reflect metadata polyfill loaded first.
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import { createPublicKey, webcrypto, X509Certificate, type KeyObject } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { join } from 'node:path'

x509.cryptoProvider.set(webcrypto)

export const caName = 'nines local CA'

/** One nameserver's certificate: files `<name>.pem` and `<name>-key.pem`. */
export interface CertificateName {
  /** the instance name, e.g. `ns1` */
  readonly name: string
  /** the address clients connect to, put in the SAN as an IP address */
  readonly address: string
  /** the host name, put in the SAN as a DNS name (also the subject's CN) */
  readonly host: string
}

export interface CertificatePair {
  readonly certFile: string
  readonly keyFile: string
}

export interface LocalCertificates {
  /** `<root>/var/tls` */
  readonly dir: string
  /** the CA certificate clients trust (`curl --cacert`, `kdig --tls-ca`) */
  readonly caFile: string
  readonly caKeyFile: string
  /** per nameserver, by name */
  readonly servers: Readonly<Record<string, CertificatePair>>
  /** what this call made (empty when every file was reused): `ca` and/or the names */
  readonly made: readonly string[]
}

export interface CertificateOptions {
  /** The clock, for tests; default the real time. */
  readonly now?: Date
}

/** The nameservers of `npm start` (examples/local.yaml). */
export const localNameservers: readonly CertificateName[] = [
  { name: 'ns1', address: '127.0.0.1', host: 'ns1.nines.test' },
  { name: 'ns2', address: '127.0.0.2', host: 'ns2.nines.test' },
]

const dayMs = 86_400_000
/** A certificate that expires sooner than this is made again. */
const renewBeforeMs = dayMs
const caLifetimeMs = 10 * 365 * dayMs
const leafLifetimeMs = 365 * dayMs
/** Tolerates a client clock slightly behind ours. */
const backdateMs = 3_600_000
const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const

interface Issuer {
  readonly certificate: X509Certificate
  readonly key: webcrypto.CryptoKey
}

function readCertificate(file: string): X509Certificate | undefined {
  try {
    return new X509Certificate(readFileSync(file))
  } catch {
    return undefined // missing or not a certificate
  }
}

function readKey(file: string): { pem: string; publicKey: KeyObject } | undefined {
  try {
    const pem = readFileSync(file, 'utf8')
    return { pem, publicKey: createPublicKey(pem) }
  } catch {
    return undefined
  }
}

const samePublicKey = (certificate: X509Certificate, publicKey: KeyObject) =>
  certificate.publicKey.equals(publicKey)

function fresh(certificate: X509Certificate, now: Date): boolean {
  const from = Date.parse(certificate.validFrom)
  const to = Date.parse(certificate.validTo)
  return from <= now.getTime() && to - renewBeforeMs > now.getTime()
}

/** The stored CA when it is whole, ours, fresh and matches its key; else undefined. */
async function storedIssuer(certFile: string, keyFile: string, now: Date): Promise<Issuer | undefined> {
  const certificate = readCertificate(certFile)
  const key = readKey(keyFile)
  if (!certificate || !key || !certificate.ca || certificate.subject !== `CN=${caName}`) return undefined
  if (!fresh(certificate, now) || !samePublicKey(certificate, key.publicKey)) return undefined
  return { certificate, key: await importPrivateKey(key.pem) }
}

function storedLeafIsGood(
  pair: CertificatePair,
  server: CertificateName,
  issuer: Issuer,
  now: Date,
): boolean {
  const certificate = readCertificate(pair.certFile)
  const key = readKey(pair.keyFile)
  if (!certificate || !key) return false
  return (
    fresh(certificate, now) &&
    samePublicKey(certificate, key.publicKey) &&
    certificate.checkIssued(issuer.certificate) &&
    certificate.verify(issuer.certificate.publicKey) &&
    certificate.checkIP(server.address) !== undefined &&
    certificate.checkHost(server.host) !== undefined
  )
}

async function importPrivateKey(pem: string): Promise<webcrypto.CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem)
  return webcrypto.subtle.importKey('pkcs8', der, algorithm, true, ['sign'])
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY')
}

const generateKeys = () =>
  webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>

/** A random positive serial (RFC 5280: unique per issuer, at most 20 octets). */
const serialNumber = () => `01${Buffer.from(webcrypto.getRandomValues(new Uint8Array(15))).toString('hex')}`

/** Writes by rename so that a crash never leaves half a file; keys are 0600 from the start. */
function writeAtomically(file: string, text: string, mode: number): void {
  const temporary = `${file}.${process.pid}.tmp`
  writeFileSync(temporary, text, { mode })
  chmodSync(temporary, mode) // the umask may have taken bits away; the mode is the point
  renameSync(temporary, file)
}

async function makeIssuer(certFile: string, keyFile: string, now: Date): Promise<Issuer> {
  const keys = await generateKeys()
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: `CN=${caName}`,
    notBefore: new Date(now.getTime() - backdateMs),
    notAfter: new Date(now.getTime() + caLifetimeMs),
    keys,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  })
  writeAtomically(keyFile, await privateKeyPem(keys.privateKey), 0o600)
  writeAtomically(certFile, certificate.toString('pem') + '\n', 0o644)
  return { certificate: new X509Certificate(certificate.toString('pem')), key: keys.privateKey }
}

async function makeLeaf(pair: CertificatePair, server: CertificateName, issuer: Issuer, now: Date) {
  const keys = await generateKeys()
  const issuerCertificate = new x509.X509Certificate(issuer.certificate.raw)
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject: `CN=${server.host}`,
    issuer: issuerCertificate.subject,
    notBefore: new Date(now.getTime() - backdateMs),
    notAfter: new Date(now.getTime() + leafLifetimeMs),
    signingKey: issuer.key,
    publicKey: keys.publicKey,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension([
        { type: 'ip', value: server.address },
        { type: 'dns', value: server.host },
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(issuerCertificate, false),
    ],
  })
  writeAtomically(pair.keyFile, await privateKeyPem(keys.privateKey), 0o600)
  writeAtomically(pair.certFile, certificate.toString('pem') + '\n', 0o644)
}

/**
 * Makes sure `<root>/var/tls/` holds a good local CA (`ca.pem`, `ca-key.pem`) and a good certificate per
 * nameserver (`<name>.pem`, `<name>-key.pem`), issued by that CA. A CA that is missing, expiring within a
 * day or does not match its key is made again, and with it every leaf; a leaf is made again on its own
 * when it is missing, expiring, not issued by the CA or does not name its address and host.
 */
export async function ensureLocalCertificates(
  root: string,
  names: readonly CertificateName[] = localNameservers,
  options: CertificateOptions = {},
): Promise<LocalCertificates> {
  for (const [i, { name, address }] of names.entries()) {
    if (!/^[a-z0-9][a-z0-9-]*$/i.test(name)) throw new Error(`names[${i}].name: not a file name, got ${name}`)
    if (!isIP(address)) throw new Error(`names[${i}].address: expected an IP address, got ${address}`)
  }
  const now = options.now ?? new Date()
  const dir = join(root, 'var', 'tls')
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const caFile = join(dir, 'ca.pem')
  const caKeyFile = join(dir, 'ca-key.pem')
  const made: string[] = []
  let issuer = await storedIssuer(caFile, caKeyFile, now)
  if (!issuer) {
    issuer = await makeIssuer(caFile, caKeyFile, now)
    made.push('ca')
  }
  const servers: Record<string, CertificatePair> = {}
  for (const server of names) {
    const pair = { certFile: join(dir, `${server.name}.pem`), keyFile: join(dir, `${server.name}-key.pem`) }
    servers[server.name] = pair
    if (made.includes('ca') || !existsSync(pair.certFile) || !storedLeafIsGood(pair, server, issuer, now)) {
      await makeLeaf(pair, server, issuer, now)
      made.push(server.name)
    }
  }
  return { dir, caFile, caKeyFile, servers, made }
}
