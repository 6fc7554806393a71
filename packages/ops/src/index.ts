export { createLogger, setLogLevel, silentLogger, type Logger, type LoggerOptions } from './logger.js'
export {
  createMetrics,
  type CollectedRead,
  type CollectedSample,
  type Metrics,
  type MetricsOptions,
} from './metrics.js'
export { HistogramCounts, type HistogramSnapshot } from './histogram-counts.js'
export type { HistogramSample } from './histogram-export.js'
export { createAdminApp, defaultMaxAdminBodyBytes, type AdminAppOptions, type Readiness } from './admin.js'
export { problem, type ProblemBody } from './problem.js'
export { serveAdmin, type AdminServer, type FetchApp, type ServeAdminOptions } from './serve.js'
export { isLoopbackAddress } from './loopback.js'
export {
  adminSchema,
  logLevels,
  logSchema,
  type AdminConfig,
  type LogConfig,
  type LogLevel,
} from './schema.js'
