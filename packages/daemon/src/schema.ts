import { dampingSchema, passiveSchema, type PoolConfig } from '@nines/health'
import type { AdminConfig, LogConfig } from '@nines/ops'
import { adminSchema } from '@nines/ops'
import { z } from 'zod'

/** Instance and pool names: letters, digits and dashes, so they fit in paths, metrics and URLs. */
export const nameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/i, 'expected a name of letters, digits and dashes')

/** What every daemon instance has, whatever it serves; an app spreads it into its instance schema. */
export const baseInstanceShape = {
  admin: adminSchema,
  /** Health state file and availability ledger; relative paths are relative to the working directory. */
  stateDir: z.string().min(1),
}

/** How the runtime's monitor runs; read at start-up (a reload that changes it says it needs a restart). */
export const healthOptionsSchema = z
  .strictObject({
    /** Before this, nothing health-dependent is served; unknown endpoints then count as down. */
    firstRoundCapMs: z.number().int().min(0).max(120_000).default(10_000),
    damping: dampingSchema.prefault({}),
    passive: passiveSchema.prefault({}),
    /** Saved verdicts younger than this are served at start-up instead of waiting for probes. */
    maxSavedStateAgeMs: z.number().int().min(0).default(300_000),
  })
  .prefault({})

export type HealthOptions = z.output<typeof healthOptionsSchema>

export interface BaseInstance {
  readonly admin: AdminConfig
  readonly stateDir: string
}

/** The part of a deployment file the runtime reads; each app's schema is a superset. */
export interface BaseConfig {
  readonly instances: Readonly<Record<string, BaseInstance>>
  readonly log: LogConfig
  readonly pools: Readonly<Record<string, PoolConfig>>
  readonly health: HealthOptions
}

/** Something an instance owns alone (`stateDir var/ns1`), and where it is set below the instance. */
export type Claim = readonly [claim: string, path: readonly (string | number)[]]

/**
 * Instances never share an admin address, a state directory, or what `more` claims for them (listen
 * addresses): each clash is an issue at the later instance's exact path.
 */
export function checkInstanceClaims<I extends BaseInstance>(
  instances: Readonly<Record<string, I>>,
  ctx: z.RefinementCtx,
  more: (instance: I) => readonly Claim[] = () => [],
): void {
  const seen = new Map<string, string>()
  for (const [name, entry] of Object.entries(instances)) {
    const claims: Claim[] = [
      [`stateDir ${entry.stateDir}`, ['stateDir']],
      [`admin ${entry.admin.address}:${entry.admin.port}`, ['admin', 'port']],
      ...more(entry),
    ]
    for (const [claim, path] of claims) {
      const owner = seen.get(claim)
      if (owner === undefined) {
        seen.set(claim, name)
        continue
      }
      ctx.addIssue({
        code: 'custom',
        path: ['instances', name, ...path],
        message: `${claim} is also used by instance "${owner}"; instances never share addresses or files`,
      })
    }
  }
}
