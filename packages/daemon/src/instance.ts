import { NinesError } from '@nines/core'
import type { BaseConfig } from './schema.js'

/** The entry of `instances` this process runs as; NINES_ERR_UNKNOWN_INSTANCE names the known ones. */
export function instanceOf<C extends BaseConfig>(config: C, name: string): C['instances'][string] {
  const instance = config.instances[name] as C['instances'][string] | undefined
  if (instance === undefined) {
    const known = Object.keys(config.instances).join(', ')
    throw new NinesError('NINES_ERR_UNKNOWN_INSTANCE', `unknown instance "${name}" (instances: ${known})`)
  }
  return instance
}
