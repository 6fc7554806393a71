import { parseArgs } from 'node:util'
import { ConfigError, jsonSchemaOf, loadConfig } from '@nines/config'
import { isNinesError } from '@nines/core'
import { createLogger, type Logger } from '@nines/ops'
import type { z } from 'zod'
import { instanceOf } from './instance.js'
import { overrideCommand, overrideUsage } from './override-command.js'
import type { BaseConfig } from './schema.js'

export interface RunOptions {
  readonly configFile: string
  readonly instance: string
  readonly workers: number
  readonly logger: Logger
}

export interface CliSpec<S extends z.ZodType<BaseConfig>> {
  /** The executable: `nines-dns`. */
  readonly name: string
  readonly schema: S
  /** The instance key this daemon serves from (`dns`, `edge`); `explain` refuses instances without it. */
  readonly role?: string
  /**
   * What `check` runs after the schema: the same build start-up and reload run (throw to fail), and
   * the summary it prints (`2 instances, 1 DNS zone`).
   */
  readonly check: (config: z.output<S>) => string
  /** Starts the daemon (or its workers); resolves once it serves. */
  readonly run: (options: RunOptions) => Promise<{ stop(): Promise<void> }>
  /** `explain`: the admin route it asks and the query it sends, from the command's positionals. */
  readonly explain?: {
    readonly usage: string
    readonly path: string
    readonly query: (args: readonly string[], client: string | undefined) => URLSearchParams
  }
}

/**
 * The command line every nines daemon shares:
 * `NAME --config FILE --instance NAME [--workers N]`, `NAME check FILE`, `NAME schema`,
 * `NAME explain ... --config FILE --instance NAME [--client IP]`, which asks the running instance's
 * admin API, and `NAME override POOL/ENDPOINT ACTION --config FILE`, which asks every instance's.
 * Exit codes: 0 ok, 1 failed, 2 usage.
 */
export async function runCli<S extends z.ZodType<BaseConfig>>(
  spec: CliSpec<S>,
  argv: readonly string[] = process.argv.slice(2),
): Promise<void> {
  const usage = [
    `usage: ${spec.name} --config FILE --instance NAME [--workers N]`,
    `       ${spec.name} check FILE`,
    `       ${spec.name} schema`,
    ...(spec.explain
      ? [`       ${spec.name} explain ${spec.explain.usage} --config FILE --instance NAME [--client IP]`]
      : []),
    `       ${spec.name} ${overrideUsage}`,
  ].join('\n')
  const fail = (message: string, code = 1): never => {
    process.stderr.write(`${spec.name}: ${message}\n`)
    process.exit(code)
  }
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (error) {
    return fail(`${(error as Error).message}\n${usage}`, 2)
  }
  const { values, positionals } = parsed
  const [command, ...args] = positionals

  if (values.help) {
    process.stdout.write(`${usage}\n`)
    return
  }
  if (command === 'check') {
    const file = args[0]
    if (file === undefined) return fail(usage, 2)
    try {
      const { config } = await loadConfig(file, spec.schema)
      process.stdout.write(`${file}: ok (${spec.check(config)})\n`)
    } catch (error) {
      fail(error instanceof ConfigError || isNinesError(error) ? error.message : String(error))
    }
    return
  }
  if (command === 'schema') {
    const schema = jsonSchemaOf(spec.schema, { title: 'nines configuration' })
    process.stdout.write(`${JSON.stringify(schema, null, 2)}\n`)
    return
  }
  if (command === 'override') {
    const result = await overrideCommand(spec.name, spec.schema, args, {
      config: values.config,
      instances: values.instance ?? [],
      reason: values.reason,
      ttl: values.ttl,
    })
    for (const line of result.stdout) process.stdout.write(`${line}\n`)
    for (const line of result.stderr) process.stderr.write(`${spec.name}: ${line}\n`)
    if (result.code !== 0) process.exit(result.code)
    return
  }
  // Every other command runs as (or asks) exactly one instance.
  if ((values.instance?.length ?? 0) > 1) return fail(`--instance: expected one name\n${usage}`, 2)
  const instance = values.instance?.[0]
  if (command === 'explain' && spec.explain) {
    if (!values.config || !instance || args.length === 0) return fail(usage, 2)
    return explain(spec, values.config, instance, spec.explain.query(args, values.client), fail)
  }
  if (command !== undefined) return fail(`unknown command "${command}"\n${usage}`, 2)

  if (!values.config || !instance) return fail(usage, 2)
  const workers = Number(values.workers)
  if (!Number.isInteger(workers) || workers < 1 || workers > 64)
    return fail(`--workers: expected 1..64, got ${values.workers}`, 2)
  const logger = createLogger({ name: spec.name, base: { instance } })
  try {
    const daemon = await spec.run({ configFile: values.config, instance, workers, logger })
    const stop = (signal: string): void => {
      logger.info({ signal }, 'stopping')
      daemon.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      )
    }
    process.once('SIGTERM', () => stop('SIGTERM'))
    process.once('SIGINT', () => stop('SIGINT'))
  } catch (error) {
    const message = isNinesError(error) ? error.message : String(error)
    logger.fatal({ code: isNinesError(error) ? error.code : undefined }, message)
    fail(message)
  }
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      config: { type: 'string', short: 'c' },
      instance: { type: 'string', short: 'i', multiple: true },
      workers: { type: 'string', short: 'w', default: '1' },
      client: { type: 'string' },
      reason: { type: 'string' },
      ttl: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}

/** Asks the running instance (its admin address and token come from the file) and prints the JSON. */
async function explain<S extends z.ZodType<BaseConfig>>(
  spec: CliSpec<S>,
  file: string,
  name: string,
  query: URLSearchParams,
  fail: (message: string) => never,
): Promise<void> {
  let url: string
  let token: string | undefined
  try {
    const { config } = await loadConfig(file, spec.schema)
    const { admin } = instanceOf(config, name, spec.role, spec.name)
    const host = admin.address.includes(':') ? `[${admin.address}]` : admin.address
    url = `http://${host}:${admin.port}${spec.explain!.path}?${query.toString()}`
    token = admin.token
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error))
  }
  let response: Response
  try {
    response = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {})
  } catch (error) {
    const cause = (error as Error).cause
    const why = cause instanceof Error ? cause.message : (error as Error).message
    return fail(`cannot reach instance "${name}" at ${url} (is it running?): ${why}`)
  }
  const body = (await response.json().catch(() => undefined)) as { error?: { message?: string } } | undefined
  if (!response.ok) return fail(body?.error?.message ?? `HTTP ${response.status}`)
  process.stdout.write(`${JSON.stringify(body, null, 2)}\n`)
}
