// NSD: static zone, the C baseline for a plain authoritative answer. Debian's NSD rate-limits responses
// by default (200 q/s per /24), which would drop most bench traffic, hence rrl-ratelimit: 0.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { missing, startServer, type ServerCase } from './server-case.js'
import { origin, targetAddresses, zoneFile } from './zone.js'

export const nsdCase: ServerCase = {
  name: 'nsd',
  label: 'NSD (static zone)',
  optional: true,
  unavailable: () => missing(['nsd']),
  async start(context) {
    const { dir } = context
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'example.test.zone'), zoneFile(targetAddresses.map((a) => `IN A ${a}`)))
    const config = [
      'server:',
      '  ip-address: 127.0.0.1',
      `  port: ${context.port}`,
      '  server-count: 1',
      '  username: ""',
      '  chroot: ""',
      '  database: ""',
      `  zonesdir: "${dir}"`,
      `  pidfile: "${join(dir, 'nsd.pid')}"`,
      `  xfrdfile: "${join(dir, 'xfrd.state')}"`,
      `  zonelistfile: "${join(dir, 'zone.list')}"`,
      `  xfrdir: "${dir}"`,
      '  minimal-responses: yes',
      '  rrl-ratelimit: 0',
      '  rrl-whitelist-ratelimit: 0',
      '  verbosity: 1',
      'remote-control:',
      '  control-enable: no',
      'zone:',
      `  name: ${origin}`,
      `  zonefile: "${join(dir, 'example.test.zone')}"`,
      '',
    ].join('\n')
    writeFileSync(join(dir, 'nsd.conf'), config)
    return startServer(context, 'nsd', ['-d', '-c', join(dir, 'nsd.conf')])
  },
}
