import { Packet } from 'dns2'
import { describe, expect, it } from 'vitest'
import { errorDetail, shortDetail } from './detail.js'

const coded = (code: string, message = 'boom') => Object.assign(new Error(message), { code })

describe('errorDetail', () => {
  it.each([
    [coded('ECONNREFUSED'), 'ECONNREFUSED'],
    [coded('ECONNRESET', 'socket hang up'), 'ECONNRESET'],
    [coded('EHOSTUNREACH'), 'EHOSTUNREACH'],
    [coded('ENETUNREACH'), 'ENETUNREACH'],
    [coded('EADDRNOTAVAIL'), 'EADDRNOTAVAIL'],
    [coded('ETIMEDOUT'), 'timeout'],
    [coded('ABORT_ERR'), 'timeout'],
    [new DOMException('probe timed out', 'TimeoutError'), 'timeout'],
    [new DOMException('stopped', 'AbortError'), 'timeout'],
    [coded('CERT_HAS_EXPIRED'), 'tls: certificate expired'],
    [coded('DEPTH_ZERO_SELF_SIGNED_CERT'), 'tls: self-signed certificate'],
    [coded('SELF_SIGNED_CERT_IN_CHAIN'), 'tls: self-signed certificate'],
    [coded('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls: hostname mismatch'],
    [coded('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'tls: unable_to_verify_leaf_signature'],
    [coded('CERT_NOT_YET_VALID'), 'tls: cert_not_yet_valid'],
    [coded('ERR_SSL_WRONG_VERSION_NUMBER'), 'tls: err_ssl_wrong_version_number'],
    [coded('HPE_INVALID_CONSTANT', 'Parse Error'), 'malformed reply'],
    [new Packet.DecodeError('message is 3 octets'), 'malformed reply'],
    [coded('ERR_SOMETHING', 'something   odd\nhappened'), 'something odd happened'],
    [new Error('plain'), 'plain'],
    ['a string', 'a string'],
    [42, '42'],
    [new Error(''), 'error'],
  ])('%o → %s', (error, detail) => {
    expect(errorDetail(error)).toBe(detail)
  })
})

describe('shortDetail', () => {
  it('keeps one line of at most 80 characters', () => {
    const detail = shortDetail(`line one\nline two ${'x'.repeat(200)}`)
    expect(detail).toHaveLength(80)
    expect(detail.startsWith('line one line two x')).toBe(true)
    expect(detail.endsWith('…')).toBe(true)
  })
})
