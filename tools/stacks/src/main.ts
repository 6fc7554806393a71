#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { kinds, startDemoEndpoint, type EndpointKind } from './index.js'

const { values } = parseArgs({
  options: {
    stack: { type: 'string', default: 'node-http' },
    name: { type: 'string', default: 'demo' },
    address: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8080' },
  },
})

if (!kinds.includes(values.stack as EndpointKind)) {
  console.error(`--stack must be one of ${kinds.join(', ')}, got "${values.stack}"`)
  process.exit(2)
}

try {
  const endpoint = await startDemoEndpoint({
    stack: values.stack as EndpointKind,
    name: values.name,
    address: values.address,
    port: Number(values.port),
  })
  console.log(
    JSON.stringify({
      msg: 'demo endpoint listening',
      stack: values.stack,
      name: values.name,
      url: endpoint.url,
    }),
  )
  const stop = (): void => void endpoint.close().then(() => process.exit(0))
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
} catch (error) {
  console.error(`cannot listen on ${values.address}:${values.port}: ${(error as Error).message}`)
  process.exit(1)
}
