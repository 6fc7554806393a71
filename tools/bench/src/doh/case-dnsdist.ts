// dnsdist 1.7 as a DoH server: `addDOHLocal` on the DoH port, answering the bench name itself with a
// SpoofAction (no backend, so no NSD behind it: this measures dnsdist's DoH front end and rule engine
// alone) and refusing every other name. Its plain-DNS listener sits on the spare port.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { missing, startServer } from '../dns/server-case.js'
import { queryName, targetAddresses, ttlSec } from '../dns/zone.js'
import type { DohServerCase } from './server-case.js'

export function dnsdistConfig(port: number, dnsPort: number, certFile: string, keyFile: string): string {
  const addresses = targetAddresses.map((address) => `'${address}'`).join(', ')
  return [
    `setLocal('127.0.0.1:${dnsPort}')`,
    `addDOHLocal('127.0.0.1:${port}', ${JSON.stringify(certFile)}, ${JSON.stringify(keyFile)}, '/dns-query')`,
    // never ask the internet for security advisories
    "setSecurityPollSuffix('')",
    `addAction(QNameRule('${queryName}'), SpoofAction({ ${addresses} }, { aa = true, ttl = ${ttlSec} }))`,
    'addAction(AllRule(), RCodeAction(DNSRCode.REFUSED))',
    '',
  ].join('\n')
}

export const dnsdistCase: DohServerCase = {
  name: 'dnsdist',
  label: 'dnsdist (addDOHLocal, SpoofAction)',
  optional: true,
  unavailable: () => missing(['dnsdist']),
  async start(context) {
    mkdirSync(context.dir, { recursive: true })
    const configFile = join(context.dir, 'dnsdist.conf')
    writeFileSync(
      configFile,
      dnsdistConfig(context.port, context.dnsPort, context.tls.certFile, context.tls.keyFile),
    )
    return startServer(context, 'dnsdist', ['--supervised', '--disable-syslog', '-C', configFile])
  },
}
