#!/usr/bin/env -S node --max-semi-space-size=8
// nines-dns: `nines-dns --config FILE --instance NAME [--workers N]`, `nines-dns check FILE`,
// `nines-dns schema` (JSON Schema of the configuration, for editors).
import { parseArgs } from 'node:util'
import { ConfigError, jsonSchemaOf, loadConfig } from '@nines/config'
import { isNinesError } from '@nines/core'
import { createLogger } from '@nines/ops'
import { configSchema } from './config.js'
import { runCluster } from './cluster.js'
import { startDaemon } from './daemon.js'

const usage = `usage: nines-dns --config FILE --instance NAME [--workers N]
       nines-dns check FILE
       nines-dns schema`

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    config: { type: 'string', short: 'c' },
    instance: { type: 'string', short: 'i' },
    workers: { type: 'string', short: 'w', default: '1' },
    help: { type: 'boolean', short: 'h' },
  },
})

function fail(message: string, code = 1): never {
  process.stderr.write(`nines-dns: ${message}\n`)
  process.exit(code)
}

const [command, file] = positionals
if (values.help) {
  process.stdout.write(`${usage}\n`)
} else if (command === 'check') {
  if (!file) fail(usage, 2)
  try {
    const { config } = await loadConfig(file, configSchema)
    const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`
    const instances = count(Object.keys(config.instances).length, 'instance')
    process.stdout.write(
      `${file}: ok (${instances}, ${count(Object.keys(config.dns.zones).length, 'DNS zone')})\n`,
    )
  } catch (error) {
    fail(error instanceof ConfigError ? error.message : String(error))
  }
} else if (command === 'schema') {
  const schema = jsonSchemaOf(configSchema, { title: 'nines configuration' })
  process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`)
} else if (command !== undefined) {
  fail(`unknown command "${command}"\n${usage}`, 2)
} else {
  if (!values.config || !values.instance) fail(usage, 2)
  const workers = Number(values.workers)
  if (!Number.isInteger(workers) || workers < 1 || workers > 64)
    fail(`--workers: expected 1..64, got ${values.workers}`, 2)
  const logger = createLogger({ name: 'nines-dns', base: { instance: values.instance } })
  try {
    if (workers > 1) {
      await runCluster({ configFile: values.config, instance: values.instance, workers, logger })
    } else {
      const daemon = await startDaemon({ configFile: values.config, instance: values.instance, logger })
      const stop = (signal: string): void => {
        logger.info({ signal }, 'stopping')
        daemon.stop().then(
          () => process.exit(0),
          () => process.exit(1),
        )
      }
      process.once('SIGTERM', () => stop('SIGTERM'))
      process.once('SIGINT', () => stop('SIGINT'))
    }
  } catch (error) {
    const message = isNinesError(error) ? error.message : String(error)
    logger.fatal({ code: isNinesError(error) ? error.code : undefined }, message)
    fail(message)
  }
}
