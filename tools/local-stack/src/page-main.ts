#!/usr/bin/env node
// The example page's server as a child of the local stack:
//   node page-main.js --address 127.0.0.1 --port 8090 --mount /=examples/browser --mount /client/=packages/client/dist
import { parseArgs } from 'node:util'
import { startStaticServer, type StaticMount } from './static-server.js'

const { values } = parseArgs({
  options: {
    address: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8090' },
    mount: { type: 'string', multiple: true, default: [] },
  },
})
const mounts = values.mount.map((spec): StaticMount => {
  const at = spec.indexOf('=')
  if (at <= 0) throw new Error(`--mount: expected /prefix/=folder, got ${spec}`)
  return { prefix: spec.slice(0, at), dir: spec.slice(at + 1) }
})
const server = await startStaticServer({ address: values.address, port: Number(values.port), mounts })
console.log(`example page listening url=${server.url}/`)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void server.close().then(() => process.exit(0)))
}
