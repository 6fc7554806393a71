// PowerDNS Authoritative with a LUA record: the health-aware peer that runs on the same kind of
// per-query evaluation as a scripted server. `selector='all'` answers every address that is up.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { missing, startServer, type ServerCase } from './server-case.js'
import { origin, targetAddresses, targetPort, zoneFile } from './zone.js'

export const pdnsLuaCase: ServerCase = {
  name: 'pdns-lua',
  label: "PowerDNS LUA ifportup(selector='all')",
  optional: true,
  unavailable: () => missing(['pdns_server']),
  async start(context) {
    const { dir } = context
    mkdirSync(dir, { recursive: true })
    const addresses = targetAddresses.map((a) => `'${a}'`).join(',')
    const record = `IN LUA A "ifportup(${targetPort}, {${addresses}}, {selector='all'})"`
    writeFileSync(join(dir, 'example.test.zone'), zoneFile([record]))
    writeFileSync(
      join(dir, 'named.conf'),
      `zone "${origin}" { type master; file "${join(dir, 'example.test.zone')}"; };\n`,
    )
    const config = [
      'launch=bind',
      `bind-config=${join(dir, 'named.conf')}`,
      'local-address=127.0.0.1',
      `local-port=${context.port}`,
      'receiver-threads=1',
      'distributor-threads=1',
      'enable-lua-records=yes',
      // never query outside the machine
      'security-poll-suffix=',
      `socket-dir=${dir}`,
      'guardian=no',
      'daemon=no',
      'disable-syslog=yes',
      'webserver=no',
      'api=no',
      '',
    ].join('\n')
    writeFileSync(join(dir, 'pdns.conf'), config)
    return startServer(context, 'pdns_server', [`--config-dir=${dir}`])
  },
}
