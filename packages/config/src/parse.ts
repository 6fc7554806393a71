import type { z } from 'zod'
import { parseYaml } from './document.js'
import { ConfigError } from './errors.js'
import { toConfigIssues } from './issues.js'
import { conciseMessage } from './messages.js'

/**
 * Parses YAML text and validates it against `schema`, returning the schema's output (defaults applied).
 * Throws a ConfigError: `NINES_ERR_CONFIG_SYNTAX` when the text is not one well-formed YAML document,
 * `NINES_ERR_CONFIG_INVALID` when it does not satisfy the schema; either lists every issue with its line.
 * `source` names the text in messages (usually its file name).
 */
export function parseConfig<S extends z.ZodType>(text: string, schema: S, source = '<string>'): z.output<S> {
  const document = parseYaml(text, source)
  const result = schema.safeParse(document.data, { error: conciseMessage })
  if (result.success) return result.data
  throw new ConfigError('NINES_ERR_CONFIG_INVALID', source, toConfigIssues(result.error.issues, document))
}
