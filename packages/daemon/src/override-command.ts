import { userInfo } from 'node:os'
import { ConfigError, loadConfig } from '@nines/config'
import { isNinesError } from '@nines/core'
import type { z } from 'zod'
import { parseDuration } from './duration.js'
import { instanceOf } from './instance.js'
import {
  formatOutcomes,
  overrideActions,
  overrideAll,
  overrideExitCode,
  type OverrideAction,
} from './override-all.js'
import type { BaseConfig } from './schema.js'

export interface OverrideCommandOptions {
  readonly config: string | undefined
  /** Repeated or comma-separated `--instance`; none: every instance of the file. */
  readonly instances: readonly string[]
  readonly reason: string | undefined
  readonly ttl: string | undefined
  readonly timeoutMs?: number
}

export interface CommandResult {
  readonly stdout: string[]
  readonly stderr: string[]
  /** 0 ok, 1 failed somewhere, 2 usage. */
  readonly code: 0 | 1 | 2
}

export const overrideUsage =
  'override POOL/ENDPOINT drain|up|down|clear --config FILE [--reason TEXT] [--ttl 30m] [--instance NAME ...]'

/** `NAME override …`: the arguments checked, the file loaded, then `overrideAll`. */
export async function overrideCommand(
  name: string,
  schema: z.ZodType<BaseConfig>,
  args: readonly string[],
  options: OverrideCommandOptions,
): Promise<CommandResult> {
  const usage = (message: string): CommandResult => ({
    stdout: [],
    stderr: [`${message}`, `usage: ${name} ${overrideUsage}`],
    code: 2,
  })
  const [target, action, ...extra] = args
  const slash = target?.indexOf('/') ?? -1
  if (target === undefined || slash <= 0 || slash === target.length - 1)
    return usage(`expected POOL/ENDPOINT, such as app/b, got ${JSON.stringify(target ?? '')}`)
  if (!overrideActions.includes(action as OverrideAction))
    return usage(`expected drain, up, down or clear, got ${JSON.stringify(action ?? '')}`)
  if (extra.length > 0) return usage(`unexpected ${JSON.stringify(extra.join(' '))}`)
  if (options.config === undefined) return usage('expected --config FILE')
  let ttlMs: number | undefined
  try {
    ttlMs = options.ttl === undefined ? undefined : parseDuration(options.ttl)
  } catch (error) {
    return usage(`--ttl: ${(error as Error).message}`)
  }
  if (ttlMs !== undefined && action === 'clear') return usage('--ttl: a cleared override has no ttl')

  let config: BaseConfig
  let instances: string[]
  try {
    ;({ config } = await loadConfig(options.config, schema))
    const named = new Set(options.instances.flatMap((list) => list.split(',')).filter(Boolean))
    for (const instance of named) instanceOf(config, instance) // names the known ones
    // In the file's order, whatever order they were named in.
    instances = Object.keys(config.instances).filter((instance) => named.size === 0 || named.has(instance))
  } catch (error) {
    const message = error instanceof ConfigError || isNinesError(error) ? error.message : String(error)
    return { stdout: [], stderr: [message], code: 1 }
  }

  const pool = target.slice(0, slash)
  const endpoint = target.slice(slash + 1)
  const outcomes = await overrideAll(
    config,
    {
      pool,
      endpoint,
      action: action as OverrideAction,
      // The admin API wants a reason; say who and how, so `GET /overrides` shows where it came from.
      reason: options.reason ?? `${name} override by ${safeUser()}`,
      ...(ttlMs === undefined ? {} : { ttlMs }),
    },
    { instances, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) },
  )
  const code = overrideExitCode(outcomes)
  const stderr =
    code === 0
      ? []
      : outcomes.every((o) => o.result === 'not-monitored')
        ? [`${target}: no instance monitors this endpoint (check the pool and endpoint names)`]
        : [`${target} ${action}: not done on every instance that serves it`]
  return { stdout: formatOutcomes(outcomes), stderr, code }
}

function safeUser(): string {
  try {
    return userInfo().username
  } catch {
    return 'an operator'
  }
}
