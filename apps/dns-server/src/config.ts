import { NinesError } from '@nines/core'
import { instanceOf, type InstanceWith } from '@nines/daemon'
import { deploymentSchema, dnsTargets, type Deployment } from '@nines/deployment'

// The file is the whole deployment's (@nines/deployment): nines-edge reads the same one.
export { deploymentSchema as configSchema, dnsTargets }
export type Config = Deployment
/** An instance nines-dns runs: its `dns` entry is present. */
export type InstanceConfig = InstanceWith<Deployment, 'dns'>

/** The instance key nines-dns serves from (`DaemonSpec.role`). */
export const role = 'dns'

/** This process's instance; one without a `dns` entry is NINES_ERR_INSTANCE_ROLE. */
export const dnsInstance = (config: Config, name: string): InstanceConfig =>
  instanceOf(config, name, role, 'nines-dns')

/**
 * The top-level `dns` section. The schema requires it whenever an instance has `dns`, and nines-dns only
 * runs such an instance, so its absence here is a bug, not a user error.
 */
export function dnsSection(config: Config): NonNullable<Config['dns']> {
  if (config.dns === undefined)
    throw new NinesError('NINES_ERR_CONFIG_INVALID', 'the file has no dns section')
  return config.dns
}
