// The one name every server in the DNS bench answers, with the same 82-byte answer (no EDNS):
// 3 A records in the answer section only.
export const origin = 'example.test'
export const label = 'svc'
export const queryName = `${label}.${origin}`
export const targetAddresses = ['127.0.0.11', '127.0.0.12', '127.0.0.13'] as const
export const targetPort = 8080
export const ttlSec = 60

/** A zone file for the static servers; `svcLines` are the records of `svc` (owner name omitted). */
export function zoneFile(svcLines: readonly string[]): string {
  return [
    `$ORIGIN ${origin}.`,
    `$TTL ${ttlSec}`,
    `@ IN SOA ns1.${origin}. hostmaster.${origin}. 1 3600 600 86400 60`,
    `@ IN NS ns1.${origin}.`,
    'ns1 IN A 127.0.0.1',
    ...svcLines.map((line) => `${label} ${line}`),
    '',
  ].join('\n')
}
