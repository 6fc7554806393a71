// Knot Resolver (kresd 5.6) as a DoH server: `kind = 'doh2'` on the DoH port, answering the bench name
// from a policy.ANSWER rule (a local answer, no recursion, nothing sent off the machine) and refusing
// every other name. Single process, as kresd runs by default.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { missing, startServer } from '../dns/server-case.js'
import { queryName, targetAddresses, ttlSec } from '../dns/zone.js'
import type { DohServerCase } from './server-case.js'

export function kresdConfig(port: number, certFile: string, keyFile: string, cacheDir: string): string {
  const rdata = targetAddresses.map((address) => `kres.str2ip('${address}')`).join(', ')
  return [
    `net.listen('127.0.0.1', ${port}, { kind = 'doh2' })`,
    `net.tls(${JSON.stringify(certFile)}, ${JSON.stringify(keyFile)})`,
    `cache.open(10 * MB, 'lmdb://${cacheDir}')`,
    // no root trust anchor: it would try to refresh it from the internet
    "trust_anchors.remove('.')",
    "modules.load('policy')",
    `policy.add(policy.suffix(policy.ANSWER({ [kres.type.A] = { rdata = { ${rdata} }, ttl = ${ttlSec} } }, true),`,
    `  { todname('${queryName}.') }))`,
    'policy.add(policy.all(policy.REFUSE))',
    '',
  ].join('\n')
}

export const kresdCase: DohServerCase = {
  name: 'kresd',
  label: 'Knot Resolver (kresd doh2, policy.ANSWER)',
  optional: true,
  unavailable: () => missing(['kresd']),
  async start(context) {
    const { dir } = context
    mkdirSync(join(dir, 'cache'), { recursive: true })
    const configFile = join(dir, 'kresd.conf')
    writeFileSync(
      configFile,
      kresdConfig(context.port, context.tls.certFile, context.tls.keyFile, join(dir, 'cache')),
    )
    return startServer(context, 'kresd', ['-n', '-c', configFile, dir])
  },
}
