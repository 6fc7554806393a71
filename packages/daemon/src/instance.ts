import { NinesError } from '@nines/core'
import type { BaseConfig } from './schema.js'

type InstanceOf<C extends BaseConfig> = C['instances'][string]

/** An instance whose `role` key is known to be present (`instance.dns` after `instanceOf(c, n, 'dns')`). */
export type InstanceWith<C extends BaseConfig, R extends string> = InstanceOf<C> & {
  readonly [K in R & keyof InstanceOf<C>]-?: NonNullable<InstanceOf<C>[K]>
}

/**
 * The entry of `instances` this process runs as; NINES_ERR_UNKNOWN_INSTANCE names the known ones. With
 * `role`, the key the daemon serves from (`dns`, `edge`): an entry without it is NINES_ERR_INSTANCE_ROLE,
 * which names the instances that have one. `daemon` (`nines-dns`) only makes that message clearer.
 */
export function instanceOf<C extends BaseConfig>(config: C, name: string): InstanceOf<C>
export function instanceOf<C extends BaseConfig, R extends string>(
  config: C,
  name: string,
  role: R | undefined,
  daemon?: string,
): InstanceWith<C, R>
export function instanceOf<C extends BaseConfig>(
  config: C,
  name: string,
  role?: string,
  daemon?: string,
): InstanceOf<C> {
  const instance = config.instances[name] as InstanceOf<C> | undefined
  if (instance === undefined) {
    const known = Object.keys(config.instances).join(', ')
    throw new NinesError('NINES_ERR_UNKNOWN_INSTANCE', `unknown instance "${name}" (instances: ${known})`)
  }
  const has = (entry: object, key: string) => (entry as Record<string, unknown>)[key] !== undefined
  if (role !== undefined && !has(instance, role)) {
    const able = Object.entries(config.instances)
      .filter(([, entry]) => has(entry, role))
      .map(([other]) => other)
    const runs =
      daemon === undefined ? `only instances with one run as ${role}` : `${daemon} runs instances with one`
    throw new NinesError(
      'NINES_ERR_INSTANCE_ROLE',
      `instance "${name}" has no ${role} entry; ${runs} (${able.join(', ') || 'none in this file'})`,
    )
  }
  return instance
}
