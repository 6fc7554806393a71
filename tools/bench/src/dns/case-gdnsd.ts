// gdnsd: the health-aware C peer, `multifo` over the three targets with a `tcp_connect` check every 2 s
// (gdnsd's minimum interval), which answers every address that is up.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { missing, startServer, type ServerCase } from './server-case.js'
import { origin, targetAddresses, targetPort, zoneFile } from './zone.js'

export const gdnsdCase: ServerCase = {
  name: 'gdnsd',
  label: 'gdnsd multifo + tcp_connect',
  optional: true,
  unavailable: () => missing(['gdnsd']),
  async start(context) {
    const { dir } = context
    for (const sub of ['zones', 'run', 'state']) mkdirSync(join(dir, sub), { recursive: true })
    const backends = targetAddresses.map((address, i) => `      be${i + 1} => ${address}`)
    const config = [
      'options => {',
      `  listen => [ 127.0.0.1:${context.port} ]`,
      '  udp_threads => 1',
      '  tcp_threads => 1',
      `  run_dir => ${join(dir, 'run')}`,
      `  state_dir => ${join(dir, 'state')}`,
      '}',
      'service_types => {',
      `  tcp${targetPort} => { plugin => tcp_connect, port => ${targetPort}, interval => 2, timeout => 1 }`,
      '}',
      'plugins => {',
      '  multifo => {',
      '    svc => {',
      `      service_types => [ tcp${targetPort} ]`,
      ...backends,
      '    }',
      '  }',
      '}',
      '',
    ].join('\n')
    writeFileSync(join(dir, 'config'), config)
    writeFileSync(join(dir, 'zones', origin), zoneFile(['IN DYNA multifo!svc']))
    return startServer(context, 'gdnsd', ['-c', dir, 'start'])
  },
}
