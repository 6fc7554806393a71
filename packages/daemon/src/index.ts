export { changedPaths } from './changed-paths.js'
export { runCli, type CliSpec, type RunOptions } from './cli.js'
export { addHealthRoutes, endpointView, type HealthRoutesOptions } from './health-admin.js'
export { exportHealthMetrics } from './health-metrics.js'
export { instanceOf, type InstanceWith } from './instance.js'
export {
  startDaemon,
  type Daemon,
  type DaemonContext,
  type DaemonOptions,
  type DaemonService,
  type DaemonSpec,
} from './runtime.js'
export {
  baseInstanceShape,
  checkInstanceClaims,
  healthOptionsSchema,
  nameSchema,
  type BaseConfig,
  type BaseInstance,
  type Claim,
  type HealthOptions,
} from './schema.js'
export { lockStateDir, type StateDir } from './state-dir.js'
export { monitorId, poolTargets } from './targets.js'
export { WorkerPool, isWorker, runWorker, type WorkerOptions, type WorkerPoolOptions } from './workers.js'
export { parseDuration } from './duration.js'
export {
  formatOutcomes,
  overrideActions,
  overrideAll,
  overrideExitCode,
  type InstanceOutcome,
  type OverrideAction,
  type OverrideAllOptions,
  type OverrideRequest,
} from './override-all.js'
export { overrideCommand, type CommandResult, type OverrideCommandOptions } from './override-command.js'
