/**
 * Probes report failures as short stable strings (`timeout`, `ECONNREFUSED`, `status 503`...), so that
 * logs, metrics labels and state transitions can be compared and counted. This is the one place that
 * turns a thrown error into such a string.
 */

const maxDetailLength = 80

/** TLS verification codes that get a readable name; other TLS codes become `tls: <code lowercased>`. */
const tlsNames: Readonly<Record<string, string>> = {
  CERT_HAS_EXPIRED: 'tls: certificate expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'tls: self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'tls: self-signed certificate',
  ERR_TLS_CERT_ALTNAME_INVALID: 'tls: hostname mismatch',
  HOSTNAME_MISMATCH: 'tls: hostname mismatch',
}

// OpenSSL's X509 verification codes as Node reports them, plus Node's own TLS and SSL codes.
const tlsCode =
  /^(CERT_|CRL_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERROR_IN_|INVALID_CA$|INVALID_PURPOSE$|PATH_LENGTH_|ERR_TLS_|ERR_SSL_)/

/** `timeout`, a socket code, `tls: ...`, `malformed reply`, or the error's message cut short. */
export function errorDetail(error: unknown): string {
  const code = errorCode(error)
  if (code !== undefined) {
    const tls = tlsNames[code]
    if (tls !== undefined) return tls
    if (tlsCode.test(code)) return `tls: ${code.toLowerCase()}`
    if (code === 'ETIMEDOUT' || code === 'ABORT_ERR') return 'timeout'
    if (/^E[A-Z]+$/.test(code)) return code
    // llhttp's parse errors: the peer did not speak HTTP.
    if (code.startsWith('HPE_')) return 'malformed reply'
  }
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') return 'timeout'
    // dns2's Packet.parse
    if (error.name === 'DecodeError') return 'malformed reply'
    return shortDetail(error.message)
  }
  return shortDetail(String(error))
}

/** One line of at most 80 characters; never empty. */
export function shortDetail(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim()
  if (line === '') return 'error'
  return line.length <= maxDetailLength ? line : `${line.slice(0, maxDetailLength - 1)}…`
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined
  return typeof error.code === 'string' ? error.code : undefined
}
