// The one DoH query every server in the bench answers: `svc.example.test A`, as the RFC 8484 GET URL a
// client sends (ID 0, as RFC 8484 §4.1 asks so that HTTP caches can share answers; RD set; no EDNS).
import { queryName } from '../dns/zone.js'

/** A DNS query message for `name` and type A, with ID 0 and RD. */
export function queryMessage(name: string = queryName): Buffer {
  const header = Buffer.from([0, 0, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])
  const labels = name
    .replace(/\.$/, '')
    .split('.')
    .map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, 'ascii')]))
  return Buffer.concat([header, ...labels, Buffer.from([0, 0, 1, 0, 1])])
}

/** The GET URL: `?dns=` is the message in base64url without padding (RFC 8484 §4.1). */
export function dohGetUrl(port: number, name: string = queryName, path = '/dns-query'): string {
  return `https://127.0.0.1:${port}${path}?dns=${queryMessage(name).toString('base64url')}`
}
