import { describe, expect, it } from 'vitest'
import { dohGetUrl, queryMessage } from './query.js'

describe('the DoH query', () => {
  it('is svc.example.test A with ID 0 and RD, as a wire message', () => {
    expect(queryMessage().toString('hex')).toBe(
      '000001000001000000000000' + '03737663076578616d706c650474657374' + '00' + '00010001',
    )
  })

  it('goes in ?dns= as base64url without padding (the RFC 8484 example shape)', () => {
    // RFC 8484 §4.1.1: www.example.com A, ID 0, RD
    expect(dohGetUrl(443, 'www.example.com')).toBe(
      'https://127.0.0.1:443/dns-query?dns=AAABAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQAB',
    )
    expect(dohGetUrl(8443)).not.toMatch(/[=+/]$/)
  })
})
