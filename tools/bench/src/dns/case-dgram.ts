// The bare Node dgram server (dgram-ceiling.ts) as a bench case: Node's ceiling on one core.
import { fileURLToPath } from 'node:url'
import { startServer, type ServerCase } from './server-case.js'

const script = fileURLToPath(new URL('./dgram-ceiling.js', import.meta.url))

export const dgramCase: ServerCase = {
  name: 'dgram',
  label: 'bare Node dgram, prebuilt answer (ceiling)',
  optional: false,
  unavailable: () => undefined,
  async start(context) {
    return startServer(context, process.execPath, [script, '--port', String(context.port)])
  },
}
