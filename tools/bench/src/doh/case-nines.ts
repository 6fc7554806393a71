// nines-dns itself, started as a user would: the built daemon with a generated config whose instance
// serves DoH (`dns.tls` + `dns.doh`, the keys of issue #11) beside plain DNS on the spare port, ready when
// its admin API answers /readyz. The plain DNS port gives the UDP figure of the same process.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { daemonScript, instance, ninesConfig, repoRoot, waitReady } from '../dns/case-nines.js'
import { freeDnsPort } from '../dns/ports.js'
import { startServer } from '../dns/server-case.js'
import type { DohServerCase, DohStartContext } from './server-case.js'

/** The instance's DoH lines: one certificate, DoH on `port` at /dns-query (JSON at /resolve). */
export function dohLines(context: Pick<DohStartContext, 'port' | 'tls'>): string[] {
  const { certFile, keyFile } = context.tls
  return [
    `tls: { certificates: [{ certFile: ${JSON.stringify(certFile)}, keyFile: ${JSON.stringify(keyFile)} }] }`,
    `doh: { listen: ['127.0.0.1:${context.port}'], path: /dns-query, jsonPath: /resolve }`,
  ]
}

export const ninesDohCase: DohServerCase = {
  name: 'nines',
  label: 'nines-dns (one process)',
  optional: false,
  udpContext: true,
  unavailable: () =>
    existsSync(daemonScript)
      ? undefined
      : `build the daemon first: npm run build (${daemonScript} is missing)`,
  async start(context) {
    mkdirSync(context.dir, { recursive: true })
    const adminPort = await freeDnsPort(new Set([context.port, context.dnsPort]))
    const configFile = join(context.dir, 'nines.yaml')
    const config = ninesConfig(context.dnsPort, adminPort, join(context.dir, 'state'), dohLines(context))
    writeFileSync(configFile, config)
    const args = [daemonScript, '--config', configFile, '--instance', instance]
    const server = startServer(context, process.execPath, args, repoRoot)
    await waitReady(server, adminPort)
    return server
  },
}
