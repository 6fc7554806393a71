// Test helper shared by the packages that serve TLS (not part of the built package): certificates made by
// openssl, as an operator would make them, so the tests load real PEM files.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'

/** The files, as a config's certificate entry takes them; being self-signed, `certFile` is its own CA. */
export interface SelfSignedPair {
  certFile: string
  keyFile: string
}

/**
 * A self-signed P-256 certificate for `names` (CN = the first; IPv4 addresses become IP SANs), valid for a
 * day, written to `<dir>/<base>.crt` and `<dir>/<base>.key`.
 */
export function selfSigned(dir: string, base: string, names: readonly string[]): SelfSignedPair {
  const certFile = join(dir, `${base}.crt`)
  const keyFile = join(dir, `${base}.key`)
  const san = names.map((name) => (/^[\d.]+$/.test(name) ? `IP:${name}` : `DNS:${name}`)).join(',')
  execFileSync(
    'openssl',
    [
      ...[
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
      ],
      ...['-subj', `/CN=${names[0]}`, '-addext', `subjectAltName=${san}`],
      ...['-keyout', keyFile, '-out', certFile],
    ],
    { stdio: 'ignore' },
  )
  return { certFile, keyFile }
}
