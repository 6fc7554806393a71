// Builders for the configurations the scenarios write (JSON is valid YAML).
import { join } from 'node:path'

export interface Ports {
  dns: number
  admin: number
  dir: string
}

export function deployment(ports: Ports, pools: object, zone: object): object {
  return {
    instances: {
      test: {
        dns: { listen: [`127.0.0.1:${ports.dns}`] },
        admin: { address: '127.0.0.1', port: ports.admin },
        stateDir: join(ports.dir, 'state'),
      },
    },
    log: { level: 'info' },
    health: { firstRoundCapMs: 5000 },
    pools,
    dns: {
      zones: {
        'e2e.test': { ns: [{ name: 'ns1.e2e.test', addresses: ['127.0.0.1'] }], ...zone },
      },
    },
  }
}

/** A fast check so scenarios see transitions in about a second. */
export const fastHttpCheck = {
  kind: 'http',
  path: '/health',
  intervalMs: 300,
  fastIntervalMs: 150,
  timeoutMs: 250,
  rise: 2,
  fall: 3,
}
export const fastTcpCheck = {
  kind: 'tcp',
  intervalMs: 300,
  fastIntervalMs: 150,
  timeoutMs: 250,
  rise: 2,
  fall: 3,
}
