import { InvalidArgumentError } from '@nines/core'
import type { z } from 'zod'

/**
 * Validates options handed over in code. Configuration is validated at load with exact paths; reaching
 * this with bad values is a programming error, reported as InvalidArgumentError naming the path.
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, name: string): z.infer<S> {
  const parsed = schema.safeParse(input)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const where = issue?.path.length ? `${name}.${issue.path.join('.')}` : name
  throw new InvalidArgumentError(`${where}: ${issue?.message ?? 'invalid'}`, { cause: parsed.error })
}
